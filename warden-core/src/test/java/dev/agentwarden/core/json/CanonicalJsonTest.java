package dev.agentwarden.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalJsonTest {

  @Test
  void rfc8785MainExample_canonicalizesToThePublishedBytes() {
    // RFC 8785 section 3.2.2 (input) and 3.2.3 (output).
    String input =
        """
        {
          "numbers": [333333333.33333329, 1E30, 4.50,
                      2e-3, 0.000000000000000000000000001],
          "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
          "literals": [null, true, false]
        }
        """;
    assertThat(CanonicalJson.canonicalString(CanonicalJson.parse(input)))
        .isEqualTo(
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  }

  @Test
  void rfc8785SortingExample_ordersByUtf16CodeUnits() {
    // RFC 8785 section 3.2.3: the property names and their expected order.
    String input =
        """
        {
          "\\u20ac": "Euro Sign",
          "\\r": "Carriage Return",
          "\\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\\ud83d\\ude00": "Emoji: Grinning Face",
          "\\u0080": "Control",
          "\\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """;
    String canonical = CanonicalJson.canonicalString(CanonicalJson.parse(input));
    assertThat(canonical)
        .isEqualTo(
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
                + "\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\","
                + "\"\uD83D\uDE00\":\"Emoji: Grinning Face\","
                + "\"\uFB33\":\"Hebrew Letter Dalet With Dagesh\"}");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // RFC 8785 appendix B: IEEE 754 bit pattern, expected ECMAScript string.
    "0000000000000000, 0",
    "8000000000000000, 0",
    "0000000000000001, 5e-324",
    "8000000000000001, -5e-324",
    "7fefffffffffffff, 1.7976931348623157e+308",
    "ffefffffffffffff, -1.7976931348623157e+308",
    "4340000000000000, 9007199254740992",
    "c340000000000000, -9007199254740992",
    "4430000000000000, 295147905179352830000",
    "44b52d02c7e14af5, 9.999999999999997e+22",
    "44b52d02c7e14af6, 1e+23",
    "44b52d02c7e14af7, 1.0000000000000001e+23",
    "444b1ae4d6e2ef4e, 999999999999999700000",
    "444b1ae4d6e2ef4f, 999999999999999900000",
    "444b1ae4d6e2ef50, 1e+21",
    "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
    "3eb0c6f7a0b5ed8d, 0.000001",
    "41b3de4355555553, 333333333.3333332",
    "41b3de4355555554, 333333333.33333325",
    "41b3de4355555555, 333333333.3333333",
    "41b3de4355555556, 333333333.3333334",
    "41b3de4355555557, 333333333.33333343",
    "becbf647612f3696, -0.0000033333333333333333",
    "43143ff3c1cb0959, 1424953923781206.2",
  })
  void rfc8785AppendixBNumbers_formatAsEcmaScript(String bits, String expected) {
    double value = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
    assertThat(CanonicalJson.formatNumber(value)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"7fffffffffffffff", "7ff0000000000000", "fff0000000000000"})
  void rfc8785AppendixBNonFiniteNumbers_areRefused(String bits) {
    double value = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
    assertThatThrownBy(() -> CanonicalJson.formatNumber(value))
        .isInstanceOf(CanonicalJsonException.class)
        .extracting(e -> ((CanonicalJsonException) e).code())
        .isEqualTo("invalid_canonical_json");
  }

  @Test
  void numbersGeneratedByV8_formatIdentically() throws IOException {
    int checked = 0;
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(getClass().getResourceAsStream("es-number-vectors.txt")),
                StandardCharsets.US_ASCII))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] parts = line.split(" ");
        double value = Double.longBitsToDouble(Long.parseUnsignedLong(parts[0], 16));
        assertThat(CanonicalJson.formatNumber(value)).as(parts[0]).isEqualTo(parts[1]);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(7000);
  }

  @Test
  void formattedNumbers_readBackToTheSameDouble() {
    Random random = new Random(8785);
    for (int i = 0; i < 200_000; i++) {
      double value = Double.longBitsToDouble(random.nextLong());
      if (!Double.isFinite(value)) {
        continue;
      }
      // -0 is written as 0 (RFC 8785), so compare numerically rather than bit for bit.
      assertThat(Double.parseDouble(CanonicalJson.formatNumber(value)) == value).as("%s", value).isTrue();
    }
  }

  @Test
  void controlCharacters_useShortEscapesOrLowerCaseHex() {
    JsonNode node = JsonNodeFactory.instance.textNode("\u0000\b\t\n\u000b\f\r\u001f\u007f\u2028 /");
    assertThat(CanonicalJson.canonicalString(node))
        .isEqualTo("\"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\u007f\u2028 /\"");
  }

  @Test
  void nonAsciiText_isWrittenAsUtf8() {
    JsonNode node = JsonNodeFactory.instance.textNode("é€\uD83D\uDE00");
    assertThat(CanonicalJson.canonicalize(node))
        .isEqualTo(HexFormat.of().parseHex("22c3a9e282acf09f988022"));
  }

  @Test
  void loneSurrogate_isRefused() {
    assertThatThrownBy(() -> CanonicalJson.canonicalize(CanonicalJson.parse("\"\\ud800x\"")))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("lone surrogate");
    ObjectNode key = JsonNodeFactory.instance.objectNode();
    key.put("a\uDC00", 1);
    assertThatThrownBy(() -> CanonicalJson.canonicalize(key)).isInstanceOf(CanonicalJsonException.class);
  }

  @Test
  void duplicateMemberNames_areRefusedByParse() {
    assertThatThrownBy(() -> CanonicalJson.parse("{\"a\":1,\"a\":2}"))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("Duplicate");
  }

  @Test
  void trailingDataAndEmptyInput_areRefusedByParse() {
    assertThatThrownBy(() -> CanonicalJson.parse("{} {}")).isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> CanonicalJson.parse("")).isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> CanonicalJson.parse("{\"a\":}")).isInstanceOf(CanonicalJsonException.class);
  }

  @Test
  void integersBeyondDoublePrecision_areRefusedNotRounded() {
    // 2^53 + 1 would silently become 2^53 and collide with a different value.
    assertThatThrownBy(() -> CanonicalJson.canonicalize(CanonicalJson.parse("9007199254740993")))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("send it as a string");
    assertThatThrownBy(
            () -> CanonicalJson.canonicalize(JsonNodeFactory.instance.numberNode(new BigInteger("123456789012345678901234567890"))))
        .isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> CanonicalJson.canonicalize(JsonNodeFactory.instance.numberNode(Long.MAX_VALUE)))
        .isInstanceOf(CanonicalJsonException.class);
    // Large integers that a double does hold exactly are fine.
    assertThat(CanonicalJson.canonicalString(CanonicalJson.parse("9007199254740994"))).isEqualTo("9007199254740994");
  }

  @Test
  void overflowingNumbers_areRefused() {
    assertThatThrownBy(() -> CanonicalJson.canonicalize(CanonicalJson.parse("[1e400]")))
        .isInstanceOf(CanonicalJsonException.class);
  }

  @Test
  void deeplyNestedInput_isRefusedNotAStackOverflow() {
    String deep = "[".repeat(CanonicalJson.MAX_DEPTH + 5) + "]".repeat(CanonicalJson.MAX_DEPTH + 5);
    assertThatThrownBy(() -> CanonicalJson.canonicalize(CanonicalJson.parse(deep)))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("nested deeper");
  }

  @Test
  void equalValuesWrittenDifferently_haveTheSameCanonicalBytes() {
    JsonNode a = CanonicalJson.parse("{ \"b\" : [1.0, 2e0, -0], \"a\": \"\\u0041\" }");
    JsonNode b = CanonicalJson.parse("{\"a\":\"A\",\"b\":[1,2,0]}");
    assertThat(CanonicalJson.canonicalize(a)).isEqualTo(CanonicalJson.canonicalize(b));
    assertThat(CanonicalJson.canonicalString(a)).isEqualTo("{\"a\":\"A\",\"b\":[1,2,0]}");
  }
}
