package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An open HTTP response read line by line in the background, e.g. a server-sent event stream. */
record SseLines(HttpResponse<InputStream> response, BlockingQueue<String> lines) implements AutoCloseable {
  static final String END = "<end>";

  static SseLines open(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // closed by the test or the server
      }
      lines.add(END);
    });
    return new SseLines(r, lines);
  }

  /** Skips lines until one that starts with {@code prefix} (or the end); fails after a generous deadline. */
  String next(String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(line).as("a line starting with " + prefix).isNotNull();
      if (line.startsWith(prefix) || line.equals(END)) {
        return line;
      }
    }
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
