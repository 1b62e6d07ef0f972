package dev.agentwarden.core.policy.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.PolicyException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ToolPolicyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ToolPolicy policy =
      ToolPolicy.builder()
          .allow(
              ToolPolicy.rule("github.search_issues")
                  .argument("query", ArgumentConstraint.builder().maxLength(20).pattern("[a-z ]+").build())
                  .argument("state", ArgumentConstraint.builder().allowValues(List.of(TextNode.valueOf("open"), TextNode.valueOf("closed"))).build())
                  .require(List.of("query"))
                  .build(),
              Optional.of("github-search"))
          .allow(
              ToolPolicy.rule("web.fetch")
                  .agents(List.of("researcher"))
                  .argument("url", ArgumentConstraint.builder().allowHosts(List.of("docs.example.com", "*.wikipedia.org")).build())
                  .build(),
              Optional.empty())
          .allow(ToolPolicy.rule("time.*").additionalArguments(true).build(), Optional.empty())
          .build();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void allowedCalls_carryTheirRule() throws Exception {
    Decision d = policy.check("any", "github.search_issues", json("{\"query\":\"open bugs\",\"state\":\"open\"}"));
    assertThat(d.allowed()).isTrue();
    assertThat(d.ruleId()).isEqualTo("github-search");
    assertThat(policy.check("researcher", "web.fetch", json("{\"url\":\"https://en.wikipedia.org/wiki/X\"}")).ruleId()).isEqualTo("tools.allow[1]");
    assertThat(policy.check("a", "time.now", json("{\"tz\":\"UTC\"}")).allowed()).isTrue();
  }

  @Test
  void argumentViolations_areDeniedNamingTheArgument() throws Exception {
    assertThat(policy.check("a", "github.search_issues", json("{\"query\":\"x\",\"state\":\"all\"}")).reason()).contains("'state'");
    assertThat(policy.check("a", "github.search_issues", json("{\"query\":\"DROP; x\"}")).reason()).contains("pattern");
    assertThat(policy.check("a", "github.search_issues", json("{\"query\":\"" + "a".repeat(21) + "\"}")).reason()).contains("longer");
    assertThat(policy.check("a", "github.search_issues", json("{}")).reason()).contains("required");
    assertThat(policy.check("a", "github.search_issues", json("{\"query\":\"x\",\"extra\":1}")).reason()).contains("'extra' is not allowed");
    assertThat(policy.check("a", "github.search_issues", json("{\"query\":5}")).reason()).contains("must be a string");
    assertThat(policy.check("a", "github.search_issues", json("{\"query\":\"x\"}")).ruleId()).isEqualTo("github-search");
  }

  @Test
  void urlArguments_mustNameAnAllowedHost_throughTheStrictParser() throws Exception {
    String[] refused = {
        "https://evil.example/x", "https://docs.example.com.evil.example/", "https://docs.example.com@evil.example/",
        "http://wikipedia.org/", "https://169.254.169.254/", "file:///etc/passwd", "https://docs.example.com\\@evil.example/",
        "not a url"};
    for (String url : refused) {
      Decision d = policy.check("researcher", "web.fetch", JSON.createObjectNode().put("url", url));
      assertThat(d.denied()).as(url).isTrue();
    }
    assertThat(policy.check("researcher", "web.fetch", json("{\"url\":\"https://DOCS.example.com./a\"}")).allowed()).isTrue();
  }

  @Test
  void unknownTools_otherAgents_andNonObjects_areDenied() throws Exception {
    assertThat(policy.check("a", "shell.exec", json("{}")).ruleId()).isEqualTo("tools.default_deny");
    assertThat(policy.check("intruder", "web.fetch", json("{\"url\":\"https://docs.example.com/\"}")).ruleId()).isEqualTo("tools.default_deny");
    assertThat(policy.check("a", "time.now", json("[1]")).ruleId()).isEqualTo("tools.invalid_arguments");
    assertThat(ToolPolicy.denyAll().check("a", "time.now", json("{}")).denied()).isTrue();
  }

  @Test
  void invalidRules_areRejected() {
    assertThatThrownBy(() -> ArgumentConstraint.builder().pattern("(")).isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> ArgumentConstraint.builder().allowHosts(List.of("http://x"))).isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> ToolPolicy.rule("bad name")).isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> ToolPolicy.rule("t").require(List.of("x")).build()).isInstanceOf(PolicyException.class);
  }
}
