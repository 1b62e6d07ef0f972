package dev.agentwarden.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.id.TenantId;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A separate gateway-like process for the crash and multi-process tests: appends to one tenant
 * from many threads until killed, printing "ack <seq> <hash>" only after each append returned.
 *
 * <p>Arguments: admin JDBC URL, KEK material (base64), tenant id, threads, appends per thread.
 */
public final class AuditAppendWorker {
  private AuditAppendWorker() {}

  public static void main(String[] args) throws Exception {
    String adminUrl = args[0];
    KeyEncryptionKey kek = KeyEncryptionKey.local(SecretValue.of(args[1]));
    TenantId tenant = TenantId.parse(args[2]);
    int threads = Integer.parseInt(args[3]);
    int perThread = Integer.parseInt(args[4]);
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    try (Database db = TestDatabases.connect(adminUrl, threads + 2)) {
      AuditLog log = AuditLog.open(db, kek, new SecureRandom());
      out.println("ready");
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int t = 0; t < threads; t++) {
          int thread = t;
          pool.submit(() -> {
            for (int i = 0; i < perThread; i++) {
              ObjectNode body = JsonNodeFactory.instance.objectNode();
              body.put("worker", ProcessHandle.current().pid());
              body.put("thread", thread);
              body.put("i", i);
              AuditEvent e = log.append(tenant, "system", AuditEventType.TOOL_CALLED, body);
              synchronized (out) {
                out.println("ack " + e.seq() + " " + e.hash().hex());
              }
            }
            return null;
          });
        }
      }
      out.println("done");
    }
  }
}
