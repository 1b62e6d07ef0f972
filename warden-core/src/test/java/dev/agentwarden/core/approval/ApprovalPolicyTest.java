package dev.agentwarden.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.json.CanonicalJson;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ApprovalPolicyTest {
  private static ApprovalPolicy policy(String json) {
    return ApprovalPolicy.parse(CanonicalJson.parse(json));
  }

  @Test
  void strictestMatchingRuleWins_whateverTheOrder() {
    String a = "{\"tool\":\"bank/*\",\"approvers\":1,\"expiry_seconds\":600}";
    String b = "{\"tool\":\"bank/transfer\",\"approvers\":2,\"expiry_seconds\":300,\"arguments\":{\"to\":\"^ext-\"}}";
    for (ApprovalPolicy p : new ApprovalPolicy[] {policy("[" + a + "," + b + "]"), policy("[" + b + "," + a + "]")}) {
      assertThat(p.ruleFor("bank/transfer", CanonicalJson.parse("{\"to\":\"ext-9\"}")))
          .contains(ApprovalRule.approvers(2, Duration.ofSeconds(300)));
      assertThat(p.ruleFor("bank/transfer", CanonicalJson.parse("{\"to\":\"int-1\"}")))
          .contains(ApprovalRule.approvers(1, Duration.ofSeconds(600)));
      assertThat(p.ruleFor("mail/send", CanonicalJson.parse("{}"))).isEmpty();
    }
  }

  @Test
  void promptsAndResourcesRule_appliesToEachPromptOfThatServer_andNamesTheRuleThatDecided() {
    ApprovalPolicy p = policy("[{\"tool\":\"docs/@prompts\",\"approvers\":1},"
        + "{\"tool\":\"docs/@resources\",\"approvers\":2,\"arguments\":{\"uri\":\"^file:\"}}]");
    assertThat(p.ruleFor("docs/@prompts/summarise", CanonicalJson.parse("{}"))).isPresent();
    assertThat(p.ruleFor("docs/@prompts", CanonicalJson.parse("{}"))).isPresent();
    assertThat(p.ruleFor("docs/@promptsx", CanonicalJson.parse("{}"))).isEmpty();
    assertThat(p.ruleFor("other/@prompts/summarise", CanonicalJson.parse("{}"))).isEmpty();
    assertThat(p.ruleFor("docs/@resources", CanonicalJson.parse("{\"uri\":\"https://x\"}"))).isEmpty();
    ApprovalPolicy.Match m = p.matchFor("docs/@resources", CanonicalJson.parse("{\"uri\":\"file:///etc/passwd\"}")).orElseThrow();
    assertThat(m.index()).isEqualTo(1);
    assertThat(m.description()).isEqualTo("approval rule #1 (tool docs/@resources, arguments {uri=^file:}): 2 approver(s),"
        + " expiry 900 s");
  }

  @Test
  void argumentPatternOnAMissingArgument_matchesTheEmptyString() {
    ApprovalPolicy p = policy("[{\"tool\":\"*\",\"approvers\":1,\"arguments\":{\"path\":\"^/etc\"}}]");
    assertThat(p.ruleFor("fs/read", CanonicalJson.parse("{}"))).isEmpty();
    assertThat(p.ruleFor("fs/read", CanonicalJson.parse("{\"path\":\"/etc/passwd\"}"))).isPresent();
  }

  @Test
  void malformedRules_areRefusedWithTheirIndex() {
    assertThatThrownBy(() -> policy("{}")).hasMessageContaining("array");
    assertThatThrownBy(() -> policy("[{\"tool\":\"x\",\"approvers\":1,\"who\":2}]")).hasMessageContaining("approvals[0]");
    assertThatThrownBy(() -> policy("[{\"tool\":\"x\",\"approvers\":11}]")).hasMessageContaining("approvals[0]");
    assertThatThrownBy(() -> policy("[{\"tool\":\"x\",\"approvers\":1,\"arguments\":{\"a\":\"(\"}}]"))
        .hasMessageContaining("regular expression");
    assertThatThrownBy(() -> policy("[{\"tool\":\"\",\"approvers\":1}]")).hasMessageContaining("tool");
  }
}
