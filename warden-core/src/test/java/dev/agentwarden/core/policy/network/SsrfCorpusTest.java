package dev.agentwarden.core.policy.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.policy.PolicyException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SsrfCorpusTest {

  @Test
  void items_areDecidedUnderAnyPublicDestinationWithTheirOwnResolverTable() {
    List<String> lines =
        List.of(
            "{\"url\": \"http://0x7f000001/\", \"label\": \"internal\", \"resolves_to\": \"127.0.0.1\"}",
            "",
            "{\"url\": \"http://app-8-8-8-8.nip.io/\", \"label\": \"external\", \"resolves_to\": \"8.8.8.8\"}",
            "{\"url\": \"http://127.0.0.1.nip.io/\", \"label\": \"internal\", \"resolves_to\": \"127.0.0.1\"}",
            "{\"url\": \"http://localhost/\", \"label\": \"internal\", \"resolves_to\": \"\"}",
            "{\"url\": \"http://[64:ff9b::8.8.8.8]/\", \"label\": \"ambiguous\", \"resolves_to\": \"8.8.8.8\"}");
    List<SsrfCorpus.Item> items = SsrfCorpus.evaluate("ssrf/t.jsonl", lines);
    assertThat(items).extracting(SsrfCorpus.Item::line).containsExactly(1, 3, 4, 5, 6);
    assertThat(items.get(0).decision().allowed()).isFalse();
    assertThat(items.get(1).connectedTo()).hasValue(IpAddress.parse("8.8.8.8").orElseThrow());
    assertThat(items.get(2).decision().ruleId()).isEqualTo(NetworkPolicy.RULE_SPECIAL_ADDRESS);
    assertThat(items.get(3).decision().allowed()).isFalse();
    assertThat(items.get(0).toJsonLine())
        .isEqualTo("{\"file\":\"ssrf/t.jsonl\",\"line\":1,\"label\":\"internal\",\"decision\":\"deny\",\"rule\":\"network.special_address\",\"connected_to\":null}");
    assertThat(items.get(1).toJsonLine()).contains("\"connected_to\":\"8.8.8.8\"");

    SsrfCorpus.Summary s = SsrfCorpus.summarise("ssrf/t.jsonl", items);
    assertThat(s.internalAllowed()).isZero();
    assertThat(s.externalAllowed()).isEqualTo(1);
    assertThat(s.ambiguousNonPublic()).isZero();
    assertThat(s.passes()).isTrue();
  }

  @Test
  void summary_failsWhenAnInternalItemIsAllowed() {
    var items =
        SsrfCorpus.evaluate(
            "f", List.of("{\"url\": \"http://8.8.8.8/\", \"label\": \"internal\", \"resolves_to\": \"8.8.8.8\"}"));
    assertThat(SsrfCorpus.summarise("f", items).passes()).isFalse();
  }

  @Test
  void malformedLine_isReportedWithItsLineNumber() {
    assertThatThrownBy(() -> SsrfCorpus.evaluate("f", List.of("{\"url\": 1}")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("f:1");
  }
}
