package dev.agentwarden.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.store.McpServers;
import org.junit.jupiter.api.Test;

class ContentIdentityTest {
  @Test
  void aResourcesSizeAndLastModified_areNotItsIdentity_butItsDescriptionAndMimeTypeAre() {
    String base = ContentIdentity.of(McpServers.RESOURCE, CanonicalJson.parse(
        "{\"uri\":\"file:///a\",\"name\":\"a\",\"mimeType\":\"text/plain\",\"size\":10,"
            + "\"annotations\":{\"lastModified\":\"2026-01-01T00:00:00Z\",\"priority\":1}}")).sha256();
    assertThat(ContentIdentity.of(McpServers.RESOURCE, CanonicalJson.parse(
        "{\"uri\":\"file:///a\",\"name\":\"a\",\"mimeType\":\"text/plain\",\"size\":99,"
            + "\"annotations\":{\"lastModified\":\"2026-02-01T00:00:00Z\",\"priority\":1}}")).sha256()).isEqualTo(base);
    assertThat(ContentIdentity.of(McpServers.RESOURCE, CanonicalJson.parse(
        "{\"uri\":\"file:///a\",\"name\":\"a\",\"mimeType\":\"text/html\",\"annotations\":{\"priority\":1}}")).sha256())
        .isNotEqualTo(base);
    assertThat(ContentIdentity.of(McpServers.RESOURCE, CanonicalJson.parse(
        "{\"uri\":\"file:///a\",\"name\":\"a\",\"mimeType\":\"text/plain\",\"annotations\":{\"priority\":2}}")).sha256())
        .isNotEqualTo(base);
  }

  @Test
  void aPromptsArguments_arePartOfItsIdentity_andItMustHaveAName() {
    ContentIdentity p = ContentIdentity.of(McpServers.PROMPT, CanonicalJson.parse(
        "{\"name\":\"greet\",\"arguments\":[{\"name\":\"who\"}]}"));
    assertThat(p.name()).isEqualTo("greet");
    assertThat(ContentIdentity.of(McpServers.PROMPT, CanonicalJson.parse(
        "{\"name\":\"greet\",\"arguments\":[{\"name\":\"who\",\"required\":true}]}")).sha256()).isNotEqualTo(p.sha256());
    assertThatThrownBy(() -> ContentIdentity.of(McpServers.PROMPT, CanonicalJson.parse("{\"description\":\"x\"}")))
        .isInstanceOf(McpException.class);
  }

  @Test
  void uriTemplates_matchTheirExpansionsOnly() {
    assertThat(McpGateway.matchesTemplate("demo://text/{index}", "demo://text/7")).isTrue();
    assertThat(McpGateway.matchesTemplate("demo://text/{index}", "demo://text/7/../../secret")).isFalse();
    assertThat(McpGateway.matchesTemplate("demo://text/{index}", "demo://other/7")).isFalse();
    assertThat(McpGateway.matchesTemplate("file:///{+path}", "file:///etc/hosts")).isTrue();
    assertThat(McpGateway.matchesTemplate("a.b://{x}", "aXb://1")).as("literal text is not a pattern").isFalse();
  }
}
