package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StoreModelAgentsTest {
  @Test
  void budgets_readModelLimits_andIgnoreOtherCapabilities() {
    ModelAgent.Limits l = StoreModelAgents.limits(
        "{\"requests_per_minute\":30.7,\"tokens_per_day\":100000,\"spend_per_month_usd\":12.5,\"tool_calls_per_day\":9}");
    assertThat(l.requestsPerMinute()).isEqualTo(OptionalLong.of(30));
    assertThat(l.tokensPerDay()).isEqualTo(OptionalLong.of(100_000));
    assertThat(l.spendPerMonthMicros()).isEqualTo(OptionalLong.of(12_500_000));
    assertThat(StoreModelAgents.limits("{}")).isEqualTo(ModelAgent.Limits.none());
  }

  @Test
  void unreadableBudgets_refuseEveryCall() {
    for (String bad : new String[] {"not json", "{\"tokens_per_day\":\"many\"}", "{\"requests_per_minute\":-1}"}) {
      ModelAgent.Limits l = StoreModelAgents.limits(bad);
      assertThat(l.requestsPerMinute()).isEqualTo(OptionalLong.of(0));
      assertThat(l.tokensPerDay()).isEqualTo(OptionalLong.of(0));
    }
  }
}
