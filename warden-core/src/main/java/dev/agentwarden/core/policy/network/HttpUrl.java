package dev.agentwarden.core.policy.network;

import java.net.IDN;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An absolute http or https URL, parsed once, strictly, the way a browser would read it — and
 * refused where a browser would be lenient in a way an attacker can exploit.
 *
 * <p>This is the only URL parser in the product: the policy decides on, and egress connects to
 * and sends, exactly what this class produced. It follows the WHATWG URL standard for special
 * schemes with these differences, each of which rejects instead of guessing:
 *
 * <ul>
 *   <li>only {@code http} and {@code https}, always with {@code //};
 *   <li>no user info ({@code user:pass@}), no backslash anywhere, no control character, space
 *       or DEL anywhere (WHATWG would strip tabs and newlines silently);
 *   <li>no zone id in an IPv6 host, no malformed or non-UTF-8 percent-encoding in the host, no
 *       character outside {@code [a-z0-9._-]} in a host name after IDNA;
 *   <li>a host that ends in a number must be a valid IPv4 address in one of the forms browsers
 *       accept ({@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1}, {@code 127.1}) and is
 *       then that address; otherwise the URL is refused;
 *   <li>a malformed percent-escape in the path or query is refused; the fragment is dropped.
 * </ul>
 *
 * <p>Host names are converted with IDNA ({@link IDN#toASCII}, which also maps the full-width and
 * ideographic full stops to dots), lowercased, and lose one trailing dot.
 */
public final class HttpUrl {
  private static final int MAX_LENGTH = 8192;

  private final String scheme;
  private final String host;
  private final Optional<IpAddress> ip;
  private final int port;
  private final String path;
  private final Optional<String> query;

  private HttpUrl(String scheme, String host, Optional<IpAddress> ip, int port, String path, Optional<String> query) {
    this.scheme = scheme;
    this.host = host;
    this.ip = ip;
    this.port = port;
    this.path = path;
    this.query = query;
  }

  /** Parses an absolute URL or throws {@link InvalidUrlException} saying what is wrong. */
  public static HttpUrl parse(String input) {
    if (input.isEmpty()) {
      throw new InvalidUrlException("URL is empty");
    }
    if (input.length() > MAX_LENGTH) {
      throw new InvalidUrlException("URL is longer than " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c <= 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) {
        throw new InvalidUrlException(
            "URL contains a control character or space (U+" + String.format("%04X", (int) c) + ") at offset " + i);
      }
      if (c == '\\') {
        throw new InvalidUrlException("URL contains a backslash at offset " + i);
      }
    }
    int colon = input.indexOf(':');
    if (colon <= 0) {
      throw new InvalidUrlException("URL has no scheme");
    }
    String scheme = input.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
        throw new InvalidUrlException("URL has no valid scheme");
      }
      throw new InvalidUrlException("scheme '" + scheme + "' is not allowed; only http and https");
    }
    if (!input.startsWith("//", colon + 1)) {
      throw new InvalidUrlException("URL must have '//' after '" + scheme + ":'");
    }
    int authorityStart = colon + 3;
    int authorityEnd = authorityStart;
    while (authorityEnd < input.length() && "/?#".indexOf(input.charAt(authorityEnd)) < 0) {
      authorityEnd++;
    }
    String authority = input.substring(authorityStart, authorityEnd);
    if (authority.indexOf('@') >= 0) {
      throw new InvalidUrlException("URL must not contain user info ('user:password@')");
    }
    String rawHost;
    String rawPort;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new InvalidUrlException("IPv6 host has no closing ']'");
      }
      rawHost = authority.substring(0, close + 1);
      String rest = authority.substring(close + 1);
      if (rest.isEmpty()) {
        rawPort = "";
      } else if (rest.startsWith(":")) {
        rawPort = rest.substring(1);
      } else {
        throw new InvalidUrlException("unexpected characters after IPv6 host");
      }
    } else {
      int portColon = authority.indexOf(':');
      if (portColon >= 0 && authority.indexOf(':', portColon + 1) >= 0) {
        throw new InvalidUrlException("host contains ':'; IPv6 hosts must be in brackets");
      }
      rawHost = portColon < 0 ? authority : authority.substring(0, portColon);
      rawPort = portColon < 0 ? "" : authority.substring(portColon + 1);
    }
    int defaultPort = scheme.equals("https") ? 443 : 80;
    int port = parsePort(rawPort, defaultPort);

    String host;
    Optional<IpAddress> ip;
    if (rawHost.startsWith("[")) {
      String inner = rawHost.substring(1, rawHost.length() - 1);
      if (inner.indexOf('%') >= 0) {
        throw new InvalidUrlException("IPv6 zone ids are not allowed in a host");
      }
      IpAddress v6 =
          Ipv6Parser.parse(inner)
              .map(IpAddress::ofBytes)
              .orElseThrow(() -> new InvalidUrlException("host is not a valid IPv6 address"));
      ip = Optional.of(v6);
      host = v6.toString();
    } else {
      String name = hostName(rawHost);
      if (Ipv4Parser.endsInANumber(name)) {
        int v4 =
            Ipv4Parser.parseLenient(name)
                .orElseThrow(() -> new InvalidUrlException("host ends in a number but is not a valid IPv4 address"));
        IpAddress addr = IpAddress.ofV4(v4);
        ip = Optional.of(addr);
        host = addr.toString();
      } else {
        ip = Optional.empty();
        host = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        checkLabels(host);
      }
    }

    int pathEnd = authorityEnd;
    while (pathEnd < input.length() && input.charAt(pathEnd) != '?' && input.charAt(pathEnd) != '#') {
      pathEnd++;
    }
    String path = normalisePath(input.substring(authorityEnd, pathEnd));
    Optional<String> query = Optional.empty();
    if (pathEnd < input.length() && input.charAt(pathEnd) == '?') {
      int hash = input.indexOf('#', pathEnd);
      String rawQuery = input.substring(pathEnd + 1, hash < 0 ? input.length() : hash);
      query = Optional.of(encode(rawQuery, true));
    }
    return new HttpUrl(scheme, host, ip, port, path, query);
  }

  /**
   * Resolves a reference (a redirect's {@code Location}) against this URL, then parses the
   * result strictly, so every hop goes through the same parser.
   */
  public HttpUrl resolve(String reference) {
    if (reference.isEmpty()) {
      throw new InvalidUrlException("empty reference");
    }
    if (reference.indexOf('\\') >= 0) {
      throw new InvalidUrlException("reference contains a backslash");
    }
    int firstDelimiter = indexOfAny(reference, ":/?#");
    if (firstDelimiter > 0 && reference.charAt(firstDelimiter) == ':') {
      return parse(reference);
    }
    if (reference.startsWith("//")) {
      return parse(scheme + ":" + reference);
    }
    String origin = scheme + "://" + authority();
    if (reference.startsWith("/")) {
      return parse(origin + reference);
    }
    if (reference.startsWith("?")) {
      return parse(origin + path + reference);
    }
    if (reference.startsWith("#")) {
      return this;
    }
    String directory = path.substring(0, path.lastIndexOf('/') + 1);
    return parse(origin + directory + reference);
  }

  public String scheme() {
    return scheme;
  }

  /** Canonical host: lowercase ASCII name without trailing dot, dotted quad, or IPv6 text. */
  public String host() {
    return host;
  }

  /** The address when the host is an IP literal (in any form the parser accepted). */
  public Optional<IpAddress> ipLiteral() {
    return ip;
  }

  public int port() {
    return port;
  }

  public boolean isDefaultPort() {
    return port == (scheme.equals("https") ? 443 : 80);
  }

  /** Normalised path, always starting with '/'; dot segments removed. */
  public String path() {
    return path;
  }

  /** The query without '?', percent-encoded; empty when the URL had none. */
  public Optional<String> query() {
    return query;
  }

  /** {@code host[:port]} as sent in the Host header. */
  public String authority() {
    String h = ip.map(IpAddress::toUriHost).orElse(host);
    return isDefaultPort() ? h : h + ":" + port;
  }

  /** The request target of an HTTP/1.1 request line: path plus query. */
  public String requestTarget() {
    return query.map(q -> path + "?" + q).orElse(path);
  }

  @Override
  public String toString() {
    return scheme + "://" + authority() + requestTarget();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HttpUrl u && u.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  private static int parsePort(String raw, int defaultPort) {
    if (raw.isEmpty()) {
      return defaultPort;
    }
    if (raw.length() > 5 || !raw.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidUrlException("port must be a number 1-65535");
    }
    int p = Integer.parseInt(raw);
    if (p < 1 || p > 65535) {
      throw new InvalidUrlException("port must be a number 1-65535, got " + p);
    }
    return p;
  }

  private static String hostName(String raw) {
    if (raw.isEmpty()) {
      throw new InvalidUrlException("URL has an empty host");
    }
    String decoded = raw.indexOf('%') >= 0 ? percentDecodeHost(raw) : raw;
    String ascii;
    try {
      ascii = IDN.toASCII(decoded);
    } catch (IllegalArgumentException e) {
      throw new InvalidUrlException("host is not a valid internationalised domain name");
    }
    ascii = ascii.toLowerCase(Locale.ROOT);
    if (ascii.isEmpty()) {
      throw new InvalidUrlException("URL has an empty host");
    }
    for (int i = 0; i < ascii.length(); i++) {
      char c = ascii.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
      if (!ok) {
        throw new InvalidUrlException("host contains the character '" + printable(c) + "'");
      }
    }
    return ascii;
  }

  private static void checkLabels(String host) {
    if (host.isEmpty() || host.length() > 253) {
      throw new InvalidUrlException("host name must be 1-253 characters");
    }
    int start = 0;
    for (int i = 0; i <= host.length(); i++) {
      if (i == host.length() || host.charAt(i) == '.') {
        int len = i - start;
        if (len == 0) {
          throw new InvalidUrlException("host name has an empty label");
        }
        if (len > 63) {
          throw new InvalidUrlException("host name has a label longer than 63 characters");
        }
        start = i + 1;
      }
    }
  }

  private static String percentDecodeHost(String raw) {
    ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 4);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || hexValue(raw.charAt(i + 1)) < 0 || hexValue(raw.charAt(i + 2)) < 0) {
          throw new InvalidUrlException("host has a malformed percent-escape");
        }
        bytes.put((byte) (hexValue(raw.charAt(i + 1)) * 16 + hexValue(raw.charAt(i + 2))));
        i += 2;
      } else {
        byte[] enc = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isSurrogate(c)) {
          // Encode the pair together; a lone surrogate is malformed.
          if (Character.isHighSurrogate(c) && i + 1 < raw.length() && Character.isLowSurrogate(raw.charAt(i + 1))) {
            enc = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
            i++;
          } else {
            throw new InvalidUrlException("host contains an unpaired surrogate");
          }
        }
        bytes.put(enc);
      }
    }
    bytes.flip();
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(bytes);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new InvalidUrlException("host percent-encodes bytes that are not UTF-8");
    }
  }

  /**
   * Removes dot segments the WHATWG way ({@code %2e} counts as a dot, so {@code /a/%2e%2e/b}
   * is {@code /b}), so that path rules see the path the server will see.
   */
  private static String normalisePath(String raw) {
    if (raw.isEmpty()) {
      return "/";
    }
    String encoded = encode(raw, false);
    List<String> out = new ArrayList<>();
    String[] segments = encoded.substring(1).split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (isDoubleDot(s)) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        if (last) {
          out.add("");
        }
      } else if (isSingleDot(s)) {
        if (last) {
          out.add("");
        }
      } else {
        out.add(s);
      }
    }
    return "/" + String.join("/", out);
  }

  private static boolean isSingleDot(String s) {
    return s.equals(".") || s.equalsIgnoreCase("%2e");
  }

  private static boolean isDoubleDot(String s) {
    if (s.length() < 2 || s.length() > 6) {
      return false;
    }
    String l = s.toLowerCase(Locale.ROOT);
    return l.equals("..") || l.equals(".%2e") || l.equals("%2e.") || l.equals("%2e%2e");
  }

  /**
   * Percent-encodes what must not appear raw in a path or query (non-ASCII as UTF-8, quotes,
   * angle brackets, braces...) and refuses a '%' that does not start a valid escape.
   */
  private static String encode(String raw, boolean query) {
    StringBuilder sb = null;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || hexValue(raw.charAt(i + 1)) < 0 || hexValue(raw.charAt(i + 2)) < 0) {
          throw new InvalidUrlException((query ? "query" : "path") + " has a malformed percent-escape");
        }
      }
      boolean keep = c < 0x80 && (c != '"' && c != '<' && c != '>' && c != '`' && c != '{' && c != '}' && c != '^' && c != '|' && (query || c != '?') && c != '#' && (!query || c != '\''));
      if (keep) {
        if (sb != null) {
          sb.append(c);
        }
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder(raw.length() + 16);
        sb.append(raw, 0, i);
      }
      String unit = String.valueOf(c);
      if (Character.isHighSurrogate(c) && i + 1 < raw.length() && Character.isLowSurrogate(raw.charAt(i + 1))) {
        unit = raw.substring(i, i + 2);
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidUrlException((query ? "query" : "path") + " contains an unpaired surrogate");
      }
      for (byte b : unit.getBytes(StandardCharsets.UTF_8)) {
        sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
      }
    }
    return sb == null ? raw : sb.toString();
  }

  private static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static String printable(char c) {
    return c >= 0x21 && c < 0x7F ? String.valueOf(c) : String.format("U+%04X", (int) c);
  }
}
