package dev.agentwarden.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import dev.agentwarden.core.crypto.SecretValue;
import java.io.IOException;

/**
 * Reads a JSON string straight into a {@link SecretValue}, so a secret in a request body is
 * never held as a plain {@code String} field that a record's {@code toString} would print.
 * Only a JSON string is accepted (no numbers or booleans coerced into a secret).
 */
final class SecretValueJson extends StdDeserializer<SecretValue> {
  private static final long serialVersionUID = 1L;

  SecretValueJson() {
    super(SecretValue.class);
  }

  @Override
  public SecretValue deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      return (SecretValue) ctxt.handleUnexpectedToken(SecretValue.class, p);
    }
    String text = p.getText();
    if (text.isEmpty()) {
      throw ApiException.badRequest("invalid_field", "a secret value must not be empty");
    }
    if (text.length() > SecretValue.MAX_BYTES) {
      throw ApiException.badRequest("invalid_field", "a secret value must be at most " + SecretValue.MAX_BYTES + " bytes");
    }
    return SecretValue.of(text);
  }
}
