package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.egress.EgressRequest;
import dev.agentwarden.store.Provider;

/**
 * Translates the OpenAI chat-completions shape to one provider kind's API and back. The request
 * carries no credential: egress injects the brokered key after the destination passed policy.
 */
interface ProviderAdapter {
  /** The upstream request for a chat completion ({@code body} is the checked OpenAI request). */
  EgressRequest chatRequest(Provider provider, ObjectNode body);

  /** The upstream request listing models. */
  EgressRequest modelsRequest(Provider provider);

  /** The OpenAI-shaped completion (or stream chunk) for an upstream one; identity for OpenAI. */
  ObjectNode toOpenAi(ObjectNode upstream);
}
