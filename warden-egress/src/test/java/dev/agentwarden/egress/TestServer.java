package dev.agentwarden.egress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;

/** A tiny HTTP/1.1 server on 127.0.0.1 that records requests and lets each test script answers. */
final class TestServer implements AutoCloseable {
  record Request(String method, String target, List<String> headers, byte[] body, String sniName) {
    String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      for (String h : headers) {
        if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          return h.substring(prefix.length()).strip();
        }
      }
      return null;
    }
  }

  @FunctionalInterface
  interface Handler {
    void respond(Request request, OutputStream out) throws IOException, InterruptedException;
  }

  final List<Request> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  /** How many requests one connection serves before the server closes it (keep-alive above 1). */
  volatile int requestsPerConnection = 1;
  private final ServerSocket server;
  private final Handler handler;

  TestServer(Handler handler) throws IOException {
    this(handler, null);
  }

  TestServer(Handler handler, SSLServerSocketFactory tls) throws IOException {
    this.handler = handler;
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    this.server = tls == null ? new ServerSocket(0, 50, loopback) : tls.createServerSocket(0, 50, loopback);
    Thread.ofVirtual().start(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        connections.incrementAndGet();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      String sni = null;
      if (s instanceof SSLSocket ssl) {
        ssl.startHandshake();
        for (SNIServerName n : ((ExtendedSSLSession) ssl.getSession()).getRequestedServerNames()) {
          if (n instanceof SNIHostName h) {
            sni = h.getAsciiName();
          }
        }
      }
      InputStream in = s.getInputStream();
      for (int served = 0; served < requestsPerConnection; served++) {
        String requestLine = line(in);
        if (requestLine.isEmpty()) {
          return; // the client closed a kept connection
        }
        List<String> headers = new CopyOnWriteArrayList<>();
        int length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
          headers.add(h);
          if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(h.substring(15).strip());
          }
        }
        byte[] body = in.readNBytes(length);
        String[] parts = requestLine.split(" ");
        Request r = new Request(parts[0], parts[1], headers, body, sni);
        requests.add(r);
        OutputStream out = s.getOutputStream();
        handler.respond(r, out);
        out.flush();
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // The client hung up (as it should for oversized or slow responses).
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  static Handler text(int status, String body, String... extraHeaders) {
    return (r, out) -> {
      StringBuilder sb = new StringBuilder("HTTP/1.1 " + status + " X\r\n");
      for (String h : extraHeaders) {
        sb.append(h).append("\r\n");
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      sb.append("Content-Length: ").append(b.length).append("\r\n\r\n");
      write(out, sb.toString());
      out.write(b);
    };
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
