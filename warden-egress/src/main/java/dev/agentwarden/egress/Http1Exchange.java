package dev.agentwarden.egress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request and response over an open socket. Reads the body as Content-Length,
 * chunked, or until close, and aborts as soon as the body would pass the cap: it never holds more
 * than {@code maxBodyBytes}. Every read is bounded by both the read timeout and the time left
 * until the total deadline. Sends {@code Connection: close} unless the connection may be kept;
 * then {@link #reusable()} says whether the response ended cleanly enough to keep it.
 */
final class Http1Exchange {
  static final int MAX_HEADER_BYTES = 64 * 1024;
  static final int MAX_HEADERS = 200;

  record Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {}

  private final Socket socket;
  private final Deadline deadline;
  private final long maxBodyBytes;
  private final boolean keepAlive;
  private final InputStream in;
  private final byte[] buf = new byte[8192];
  private int pos;
  private int lim;
  private long received;
  private boolean http11;
  private boolean reusable;

  Http1Exchange(Socket socket, Deadline deadline, long maxBodyBytes) throws IOException {
    this(socket, deadline, maxBodyBytes, false);
  }

  Http1Exchange(Socket socket, Deadline deadline, long maxBodyBytes, boolean keepAlive) throws IOException {
    this.socket = socket;
    this.deadline = deadline;
    this.maxBodyBytes = maxBodyBytes;
    this.keepAlive = keepAlive;
    this.in = socket.getInputStream();
  }

  Response exchange(String method, String requestTarget, String hostHeader, List<Map.Entry<String, String>> headers, byte[] body)
      throws IOException {
    Head head = sendAndReadHead(method, requestTarget, hostHeader, headers, body);
    BodyFraming framing = framing(method, head.status(), head.headers());
    byte[] responseBody = readBody(framing);
    // Kept only when the body had a known end, the server did not ask to close, and nothing
    // beyond this response arrived (an unasked-for byte means the stream is out of step).
    reusable = keepAlive && http11 && framing.framing() != Framing.UNTIL_CLOSE && pos == lim
        && !closeRequested(head.headers());
    return new Response(head.status(), head.headers(), responseBody);
  }

  /** Whether the connection may carry another request: see {@link #exchange}. */
  boolean reusable() {
    return reusable;
  }

  /** Whether not a byte of a response arrived: a kept connection the server had already closed. */
  boolean receivedNothing() {
    return received == 0;
  }

  private static boolean closeRequested(List<Map.Entry<String, String>> headers) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase("connection")) {
        for (String token : h.getValue().split(",")) {
          if (token.strip().equalsIgnoreCase("close")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The status and headers of the final (non-interim) response. */
  record Head(int status, List<Map.Entry<String, String>> headers) {}

  /** Writes the request and reads the response head; the body is left on the socket. */
  Head sendAndReadHead(
      String method, String requestTarget, String hostHeader, List<Map.Entry<String, String>> headers, byte[] body)
      throws IOException {
    StringBuilder head = new StringBuilder(256);
    head.append(method).append(' ').append(requestTarget).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(hostHeader).append("\r\n");
    for (Map.Entry<String, String> h : headers) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (body.length > 0 || method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append(keepAlive ? "Accept-Encoding: identity\r\n\r\n" : "Accept-Encoding: identity\r\nConnection: close\r\n\r\n");
    // Head and body in one write: two small writes on a kept connection would wait for the
    // server's delayed acknowledgement of the first (Nagle), some 40 ms.
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(body, 0, request, headBytes.length, body.length);
    OutputStream out = socket.getOutputStream();
    out.write(request);
    out.flush();

    while (true) {
      int status = readStatusLine();
      List<Map.Entry<String, String>> responseHeaders = readHeaders();
      if (status >= 100 && status < 200) {
        // Interim responses (100 Continue, 103 Early Hints) precede the real one.
        continue;
      }
      return new Head(status, responseHeaders);
    }
  }

  /**
   * The body of the response whose head was just read, decoded (chunked, Content-Length or
   * until close) as the caller reads it, within the cap and the timeouts. Used for responses
   * that must reach the caller while they arrive (server-sent events).
   */
  InputStream bodyStream(String method, Head head) {
    BodyFraming framing = framing(method, head.status(), head.headers());
    return new BodyStream(framing);
  }

  private enum Framing { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

  private record BodyFraming(Framing framing, long length) {}

  private BodyFraming framing(String method, int status, List<Map.Entry<String, String>> headers) {
    if (method.equals("HEAD") || status == 204 || status == 304) {
      return new BodyFraming(Framing.NONE, 0);
    }
    String transferEncoding = null;
    String contentLength = null;
    for (Map.Entry<String, String> h : headers) {
      String n = h.getKey().toLowerCase(Locale.ROOT);
      if (n.equals("transfer-encoding")) {
        transferEncoding = transferEncoding == null ? h.getValue() : transferEncoding + "," + h.getValue();
      } else if (n.equals("content-length")) {
        if (contentLength != null && !contentLength.equals(h.getValue())) {
          throw new EgressException.BadResponse("upstream sent conflicting Content-Length headers");
        }
        contentLength = h.getValue();
      }
    }
    if (transferEncoding != null) {
      if (!transferEncoding.trim().equalsIgnoreCase("chunked")) {
        throw new EgressException.BadResponse("upstream used an unsupported Transfer-Encoding");
      }
      return new BodyFraming(Framing.CHUNKED, 0);
    }
    if (contentLength != null) {
      if (!contentLength.matches("[0-9]{1,18}")) {
        throw new EgressException.BadResponse("upstream sent a malformed Content-Length");
      }
      long length = Long.parseLong(contentLength);
      if (length > maxBodyBytes) {
        throw tooLarge();
      }
      return new BodyFraming(Framing.LENGTH, length);
    }
    return new BodyFraming(Framing.UNTIL_CLOSE, 0);
  }

  /** Decodes one body incrementally; counts every byte against the cap. */
  private final class BodyStream extends InputStream {
    private final Framing framing;
    private long remainingInPart;
    private long total;
    private boolean done;

    BodyStream(BodyFraming f) {
      this.framing = f.framing();
      this.remainingInPart = f.framing() == Framing.LENGTH ? f.length() : 0;
      this.done = f.framing() == Framing.NONE || (f.framing() == Framing.LENGTH && f.length() == 0);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (done) {
        return -1;
      }
      if (framing == Framing.CHUNKED && remainingInPart == 0 && !nextChunk()) {
        done = true;
        return -1;
      }
      if (pos == lim && !fill()) {
        if (framing == Framing.UNTIL_CLOSE) {
          done = true;
          return -1;
        }
        throw new EgressException.BadResponse("upstream closed the connection before the end of the body");
      }
      long want = framing == Framing.UNTIL_CLOSE ? len : Math.min(len, remainingInPart);
      int n = (int) Math.min(want, lim - pos);
      if (total + n > maxBodyBytes) {
        throw tooLarge();
      }
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      total += n;
      if (framing != Framing.UNTIL_CLOSE) {
        remainingInPart -= n;
        if (remainingInPart == 0) {
          if (framing == Framing.LENGTH) {
            done = true;
          } else if (!readLine().isEmpty()) {
            throw new EgressException.BadResponse("upstream chunk is longer than its size");
          }
        }
      }
      return n;
    }

    private boolean nextChunk() throws IOException {
      headerBytes = 0;
      String sizeLine = readLine();
      int semi = sizeLine.indexOf(';');
      String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
      if (!hex.matches("[0-9a-fA-F]{1,15}")) {
        throw new EgressException.BadResponse("upstream sent a malformed chunk size");
      }
      long size = Long.parseLong(hex, 16);
      if (size == 0) {
        headerBytes = 0;
        readHeaders(); // trailers, discarded
        return false;
      }
      if (total + size > maxBodyBytes) {
        throw tooLarge();
      }
      remainingInPart = size;
      return true;
    }
  }

  private int headerBytes;

  private int readStatusLine() throws IOException {
    String line = readLine();
    // HTTP/1.1 200 OK   (reason phrase optional)
    if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' ') {
      throw new EgressException.BadResponse("upstream did not answer with an HTTP/1.x status line");
    }
    http11 = line.startsWith("HTTP/1.1");
    String code = line.substring(9, 12);
    if (!code.chars().allMatch(c -> c >= '0' && c <= '9') || (line.length() > 12 && line.charAt(12) != ' ')) {
      throw new EgressException.BadResponse("upstream sent a malformed status code");
    }
    return Integer.parseInt(code);
  }

  private List<Map.Entry<String, String>> readHeaders() throws IOException {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line.isEmpty()) {
        return headers;
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        throw new EgressException.BadResponse("upstream sent an obsolete folded header");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new EgressException.BadResponse("upstream sent a header line without a name");
      }
      String name = line.substring(0, colon);
      try {
        Headers.checkName(name);
      } catch (EgressException e) {
        throw new EgressException.BadResponse("upstream sent an invalid header name");
      }
      headers.add(Map.entry(name, line.substring(colon + 1).strip()));
      if (headers.size() > MAX_HEADERS) {
        throw new EgressException.ResponseTooLarge("upstream sent more than " + MAX_HEADERS + " headers");
      }
    }
  }

  private byte[] readBody(BodyFraming f) throws IOException {
    return switch (f.framing()) {
      case NONE -> new byte[0];
      case CHUNKED -> readChunked();
      case LENGTH -> {
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) f.length());
        copy(body, f.length(), true);
        yield body.toByteArray();
      }
      case UNTIL_CLOSE -> {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        copy(body, Long.MAX_VALUE, false);
        yield body.toByteArray();
      }
    };
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      headerBytes = 0;
      String sizeLine = readLine();
      int semi = sizeLine.indexOf(';');
      String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
      if (!hex.matches("[0-9a-fA-F]{1,15}")) {
        throw new EgressException.BadResponse("upstream sent a malformed chunk size");
      }
      long size = Long.parseLong(hex, 16);
      if (size == 0) {
        headerBytes = 0;
        readHeaders(); // trailers, discarded
        return body.toByteArray();
      }
      if (body.size() + size > maxBodyBytes) {
        throw tooLarge();
      }
      copy(body, size, true);
      if (!readLine().isEmpty()) {
        throw new EgressException.BadResponse("upstream chunk is longer than its size");
      }
    }
  }

  /** Copies up to {@code length} bytes; with {@code exact}, end of stream before that is an error. */
  private void copy(ByteArrayOutputStream body, long length, boolean exact) throws IOException {
    long remaining = length;
    while (remaining > 0) {
      if (pos == lim && !fill()) {
        if (exact) {
          throw new EgressException.BadResponse("upstream closed the connection before the end of the body");
        }
        return;
      }
      int n = (int) Math.min(remaining, lim - pos);
      if (body.size() + (long) n > maxBodyBytes) {
        throw tooLarge();
      }
      body.write(buf, pos, n);
      pos += n;
      remaining -= n;
    }
  }

  private EgressException tooLarge() {
    return new EgressException.ResponseTooLarge("response body is larger than the cap of " + maxBodyBytes + " bytes");
  }

  /** A CRLF (or bare LF) terminated Latin-1 line, counted against the header cap. */
  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      if (pos == lim && !fill()) {
        throw new EgressException.BadResponse("upstream closed the connection in the middle of the response head");
      }
      byte b = buf[pos++];
      if (++headerBytes > MAX_HEADER_BYTES) {
        throw new EgressException.ResponseTooLarge("response head is larger than " + MAX_HEADER_BYTES + " bytes");
      }
      if (b == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      if (b == 0) {
        throw new EgressException.BadResponse("upstream sent a NUL byte in the response head");
      }
      sb.append((char) (b & 0xFF));
    }
  }

  private boolean fill() throws IOException {
    socket.setSoTimeout(deadline.nextReadTimeoutMillis());
    int n;
    try {
      n = in.read(buf, 0, buf.length);
    } catch (SocketTimeoutException e) {
      throw deadline.timeout();
    }
    if (n < 0) {
      return false;
    }
    received += n;
    pos = 0;
    lim = n;
    return true;
  }
}
