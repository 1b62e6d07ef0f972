package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A planted canary key is used everywhere a client could put it (header, path, query, body,
 * request id, idempotency key) and through every failure; it must never appear in any log.
 */
@Tag("database")
class CanaryKeyTest {

  @Test
  void aCanaryKey_neverAppearsInAnyLog() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    StringBuilder jul = new StringBuilder();
    Handler julHandler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        jul.append(r.getMessage()).append(' ').append(r.getThrown()).append('\n');
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    root.addHandler(julHandler);
    PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setOut(tee);
    System.setErr(tee);
    String canary;
    TestGateway gw = TestGateway.start();
    try {
      TestGateway.NewTenant t = gw.createTenant("canary");
      String[] key = gw.createKey(t.adminKey(), "canary", "admin");
      canary = key[1];
      gw.get("/v1/keys", canary);
      gw.get("/v1/keys/" + canary, canary);
      gw.get("/v1/keys?token=" + canary, canary);
      gw.post("/v1/keys", canary, "{\"name\":\"" + canary + "\",\"role\":\"agent\"}");
      gw.post("/v1/keys", canary, "{\"name\":\"x\",\"role\":\"" + canary + "\"}");
      gw.post("/v1/keys", canary, "{\"" + canary + "\":1}");
      gw.post("/v1/keys", canary, "{\"name\":" + canary);
      gw.send("POST", "/v1/keys", canary, "application/json", "{\"name\":\"i\",\"role\":\"agent\"}".getBytes(StandardCharsets.UTF_8),
          Map.of("Idempotency-Key", canary, "X-Request-Id", canary));
      gw.get("/v1/" + canary, canary);
      gw.delete("/v1/keys/" + key[0], t.adminKey());
      gw.get("/v1/keys", canary);
      gw.get("/v1/keys", canary + "tampered");
    } finally {
      gw.close();
      System.setOut(originalOut);
      System.setErr(originalErr);
      root.removeHandler(julHandler);
    }
    String secretPart = TestGateway.secretPart(canary);
    // .ci/run searches every test output of the whole run for this value afterwards.
    java.nio.file.Files.writeString(java.nio.file.Path.of("target", "canary-key.txt"), secretPart + "\n");
    String everything = String.join("\n", gw.logLines()) + "\n" + captured.toString(StandardCharsets.UTF_8) + "\n" + jul;
    assertThat(gw.logLines()).isNotEmpty();
    assertThat(everything).doesNotContain(canary).doesNotContain(secretPart);
  }
}
