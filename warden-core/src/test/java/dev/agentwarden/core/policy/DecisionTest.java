package dev.agentwarden.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DecisionTest {

  @Test
  void allowFactory_isAllowedWithRuleAndReason() {
    Decision d = Decision.allow("network.allow[0]", "host api.github.com is allowed");
    assertThat(d.verdict()).isEqualTo(Decision.Verdict.ALLOW);
    assertThat(d.allowed()).isTrue();
    assertThat(d.denied()).isFalse();
    assertThat(d.ruleId()).isEqualTo("network.allow[0]");
  }

  @Test
  void denyFactory_isDenied() {
    Decision d = Decision.deny("network.default_deny", "no rule allows this host");
    assertThat(d.verdict()).isEqualTo(Decision.Verdict.DENY);
    assertThat(d.denied()).isTrue();
  }

  @Test
  void blankRuleOrReason_isRejected() {
    assertThatThrownBy(() -> Decision.allow(" ", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Decision.deny("r", "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Decision(null, "r", "x")).isInstanceOf(NullPointerException.class);
  }

  @Test
  void policyException_hasStableCode() {
    assertThat(new PolicyException("bad cidr '10.0.0.0/33'").code()).isEqualTo("invalid_policy");
  }
}
