package dev.agentwarden.core.json;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) over a Jackson tree.
 *
 * <p>The canonical form is UTF-8, without whitespace; object members are sorted by the UTF-16
 * code units of their names; strings escape only {@code "}, {@code \} and the C0 controls (with
 * the short forms {@code \b \t \n \f \r}, otherwise <code>&#92;u00xx</code> in lower case); numbers are
 * IEEE 754 doubles written the way ECMAScript's {@code Number.prototype.toString} writes them.
 *
 * <p>Two deliberate refusals keep "same canonical bytes" meaning "same value" (what the audit
 * chain and hash-pinned approvals rely on): an integer that a double cannot hold exactly (I-JSON,
 * RFC 7493 section 2.2) and a string with a lone surrogate are rejected rather than silently
 * rounded or replaced. Use {@link #parse} to read untrusted text: it also rejects duplicate
 * member names, which a tree would otherwise collapse.
 */
public final class CanonicalJson {
  /** Deeper trees are refused, so hostile input cannot exhaust the stack. */
  static final int MAX_DEPTH = 512;

  private static final ObjectMapper STRICT =
      JsonMapper.builder(
              JsonFactory.builder()
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .build();

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private CanonicalJson() {}

  /** The canonical UTF-8 bytes of {@code value}. */
  public static byte[] canonicalize(JsonNode value) {
    Sink sink = new Sink(256);
    write(Objects.requireNonNull(value, "value"), sink, 0);
    return sink.toByteArray();
  }

  /** The canonical form of {@code value} as a string. */
  public static String canonicalString(JsonNode value) {
    return new String(canonicalize(value), StandardCharsets.UTF_8);
  }

  /**
   * Parses JSON text strictly: one value, no trailing data, no duplicate member names. The
   * result canonicalizes unless it holds a number or string with no canonical form.
   */
  public static JsonNode parse(String json) {
    Objects.requireNonNull(json, "json");
    try {
      return requireValue(STRICT.readTree(json));
    } catch (IOException e) {
      throw new CanonicalJsonException("not valid JSON: " + firstLine(String.valueOf(e.getMessage())), e);
    }
  }

  /** Parses UTF-8 JSON bytes strictly, as {@link #parse(String)} does. */
  public static JsonNode parse(byte[] json) {
    Objects.requireNonNull(json, "json");
    try {
      return requireValue(STRICT.readTree(json));
    } catch (IOException e) {
      throw new CanonicalJsonException("not valid JSON: " + firstLine(String.valueOf(e.getMessage())), e);
    }
  }

  /** The ECMAScript {@code Number.prototype.toString} form of a finite double (RFC 8785 3.2.2.3). */
  public static String formatNumber(double value) {
    if (!Double.isFinite(value)) {
      throw new CanonicalJsonException("number is not finite: " + value);
    }
    if (value == 0) {
      return "0"; // also -0
    }
    if (value == Math.rint(value) && Math.abs(value) < 0x1p53) {
      return Long.toString((long) value);
    }
    StringBuilder out = new StringBuilder(26);
    if (value < 0) {
      out.append('-');
    }
    double abs = Math.abs(value);
    Decimal d = shortestDecimal(abs);
    String digits = d.digits;
    int k = digits.length();
    int n = d.pointPosition;
    if (k <= n && n <= 21) {
      out.append(digits);
      out.repeat('0', n - k);
    } else if (0 < n && n <= 21) {
      out.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.");
      out.repeat('0', -n);
      out.append(digits);
    } else {
      int e = n - 1;
      out.append(digits.charAt(0));
      if (k > 1) {
        out.append('.').append(digits, 1, k);
      }
      out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
    }
    return out.toString();
  }

  /** value = 0.digits x 10^pointPosition, digits without leading or trailing zeros. */
  private record Decimal(String digits, int pointPosition) {}

  /**
   * The shortest decimal that reads back as {@code abs}, the closest such one on a tie (as
   * ECMAScript requires). {@link Double#toString} is shortest since JDK 19 but never prints fewer
   * than two significant digits, so a two-digit result may hide a one-digit one (4.9E-324 for
   * ECMAScript's 5e-324): those are checked here.
   */
  private static Decimal shortestDecimal(double abs) {
    String s = Double.toString(abs);
    int ePos = s.indexOf('E');
    String mantissa = ePos < 0 ? s : s.substring(0, ePos);
    int exp = ePos < 0 ? 0 : Integer.parseInt(s.substring(ePos + 1));
    int dot = mantissa.indexOf('.');
    String intPart = mantissa.substring(0, dot);
    String all = intPart + mantissa.substring(dot + 1);
    int point = intPart.length() + exp;
    int lead = 0;
    while (lead < all.length() - 1 && all.charAt(lead) == '0') {
      lead++;
    }
    int end = all.length();
    while (end > lead + 1 && all.charAt(end - 1) == '0') {
      end--;
    }
    String digits = all.substring(lead, end);
    point -= lead;
    if (digits.length() == 2) {
      Decimal one = shorterCandidate(abs, digits, point);
      if (one != null) {
        return one;
      }
    }
    return new Decimal(digits, point);
  }

  private static @Nullable Decimal shorterCandidate(double abs, String digits, int point) {
    int first = digits.charAt(0) - '0';
    Decimal down = new Decimal(Integer.toString(first), point);
    Decimal up = first == 9 ? new Decimal("1", point + 1) : new Decimal(Integer.toString(first + 1), point);
    boolean downOk = readsBackAs(down, abs);
    boolean upOk = readsBackAs(up, abs);
    if (downOk && upOk) {
      BigDecimal exact = new BigDecimal(abs);
      int cmp = exact.subtract(toBig(down)).abs().compareTo(toBig(up).subtract(exact).abs());
      if (cmp != 0) {
        return cmp < 0 ? down : up;
      }
      return (first % 2 == 0) ? down : up;
    }
    return downOk ? down : upOk ? up : null;
  }

  private static boolean readsBackAs(Decimal d, double abs) {
    return Double.parseDouble("0." + d.digits + "E" + d.pointPosition) == abs;
  }

  private static BigDecimal toBig(Decimal d) {
    return new BigDecimal(new BigInteger(d.digits), d.digits.length() - d.pointPosition);
  }

  private static JsonNode requireValue(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      throw new CanonicalJsonException("not valid JSON: no value");
    }
    return node;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable input";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static void write(JsonNode node, Sink out, int depth) {
    if (depth > MAX_DEPTH) {
      throw new CanonicalJsonException("JSON nested deeper than " + MAX_DEPTH + " levels");
    }
    switch (node.getNodeType()) {
      case OBJECT -> writeObject(node, out, depth);
      case ARRAY -> {
        out.put((byte) '[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.put((byte) ',');
          }
          write(node.get(i), out, depth + 1);
        }
        out.put((byte) ']');
      }
      case STRING -> writeString(node.textValue(), out);
      case NUMBER -> out.putAscii(formatNumber(toDouble(node)));
      case BOOLEAN -> out.putAscii(node.booleanValue() ? "true" : "false");
      case NULL -> out.putAscii("null");
      default ->
          throw new CanonicalJsonException(
              "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " node is not JSON");
    }
  }

  private static void writeObject(JsonNode node, Sink out, int depth) {
    ArrayList<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
    node.properties().forEach(members::add);
    // String.compareTo orders by UTF-16 code units, exactly what RFC 8785 3.2.3 asks for.
    members.sort(Map.Entry.comparingByKey());
    out.put((byte) '{');
    boolean first = true;
    for (Map.Entry<String, JsonNode> member : members) {
      if (!first) {
        out.put((byte) ',');
      }
      first = false;
      writeString(member.getKey(), out);
      out.put((byte) ':');
      write(member.getValue(), out, depth + 1);
    }
    out.put((byte) '}');
  }

  private static double toDouble(JsonNode node) {
    return switch (node.numberType()) {
      case INT, LONG -> exactLong(node.longValue());
      case BIG_INTEGER -> exactBigInteger(node.bigIntegerValue());
      case FLOAT, DOUBLE -> node.doubleValue();
      case BIG_DECIMAL -> {
        double d = node.decimalValue().doubleValue();
        if (!Double.isFinite(d)) {
          throw new CanonicalJsonException("number is outside the IEEE 754 double range");
        }
        yield d;
      }
    };
  }

  private static double exactLong(long v) {
    double d = v;
    if (d >= 0x1p63 || (long) d != v) {
      throw new CanonicalJsonException(
          "integer " + v + " cannot be represented exactly as an IEEE 754 double; send it as a string");
    }
    return d;
  }

  private static double exactBigInteger(BigInteger v) {
    double d = v.doubleValue();
    if (!Double.isFinite(d) || new BigDecimal(d).toBigIntegerExact().compareTo(v) != 0) {
      throw new CanonicalJsonException(
          "integer " + v + " cannot be represented exactly as an IEEE 754 double; send it as a string");
    }
    return d;
  }

  private static void writeString(String s, Sink out) {
    out.put((byte) '"');
    int len = s.length();
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          out.put((byte) c);
        } else {
          writeEscape(c, out);
        }
      } else if (c < 0x800) {
        out.put((byte) (0xC0 | (c >> 6)));
        out.put((byte) (0x80 | (c & 0x3F)));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, s.charAt(++i));
          out.put((byte) (0xF0 | (cp >> 18)));
          out.put((byte) (0x80 | ((cp >> 12) & 0x3F)));
          out.put((byte) (0x80 | ((cp >> 6) & 0x3F)));
          out.put((byte) (0x80 | (cp & 0x3F)));
        } else {
          throw new CanonicalJsonException("string holds a lone surrogate at index " + i);
        }
      } else {
        out.put((byte) (0xE0 | (c >> 12)));
        out.put((byte) (0x80 | ((c >> 6) & 0x3F)));
        out.put((byte) (0x80 | (c & 0x3F)));
      }
    }
    out.put((byte) '"');
  }

  private static void writeEscape(char c, Sink out) {
    out.put((byte) '\\');
    switch (c) {
      case '"' -> out.put((byte) '"');
      case '\\' -> out.put((byte) '\\');
      case '\b' -> out.put((byte) 'b');
      case '\t' -> out.put((byte) 't');
      case '\n' -> out.put((byte) 'n');
      case '\f' -> out.put((byte) 'f');
      case '\r' -> out.put((byte) 'r');
      default -> {
        out.putAscii("u00");
        out.put(HEX[c >> 4]);
        out.put(HEX[c & 0xF]);
      }
    }
  }

  /** A growable byte buffer; avoids the synchronisation of ByteArrayOutputStream. */
  private static final class Sink {
    private byte[] buf;
    private int size;

    Sink(int capacity) {
      buf = new byte[capacity];
    }

    void put(byte b) {
      if (size == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[size++] = b;
    }

    void putAscii(String s) {
      for (int i = 0; i < s.length(); i++) {
        put((byte) s.charAt(i));
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, size);
    }
  }
}
