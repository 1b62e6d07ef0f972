package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.audit.AuditKey;
import dev.agentwarden.core.audit.AuditKeyring;
import dev.agentwarden.core.audit.ExportVerifier;
import dev.agentwarden.core.audit.HashValue;
import dev.agentwarden.core.audit.MerkleTree;
import dev.agentwarden.core.audit.TreeHead;
import dev.agentwarden.core.audit.VerificationResult;
import dev.agentwarden.core.id.TenantId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The audit endpoints over a real socket, with two gateway processes appending to one chain. */
@Tag("database")
class AuditApiTest {
  private static TestGateway one;
  private static TestGateway two;
  private static TestGateway.NewTenant a;
  private static TestGateway.NewTenant b;
  private static String auditor;
  private static String agent;

  @BeforeAll
  static void start() {
    one = TestGateway.start();
    two = TestGateway.secondOn(one, Map.of()); // same database and data directory, hence the same KEK
    a = one.createTenant("audited");
    b = one.createTenant("other");
    auditor = one.createKey(a.adminKey(), "auditor", "auditor")[1];
    agent = one.createKey(a.adminKey(), "bot", "agent")[1];
    TenantId tenant = TenantId.parse(a.id());
    for (int i = 1; i <= 30; i++) {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("agent_id", "agent-" + (i % 2));
      body.put("decision", i % 5 == 0 ? "deny" : "allow");
      (i % 2 == 0 ? one : two).gateway().audit().append(tenant, "key:bot", AuditEventType.POLICY_DECIDED, body);
    }
    two.gateway().audit().append(TenantId.parse(b.id()), "system", AuditEventType.TOOL_CALLED, JsonNodeFactory.instance.objectNode());
  }

  @AfterAll
  static void stop() {
    if (two != null) {
      two.close();
    }
    if (one != null) {
      one.close();
    }
  }

  private static AuditKeyring publishedKeys() {
    TestGateway.Reply identity = one.get("/v1/identity", null);
    assertThat(identity.status()).isEqualTo(200);
    List<AuditKey> keys = new ArrayList<>();
    identity.json().path("keys").forEach(k -> keys.add(AuditKey.fromJson(k)));
    assertThat(identity.json().path("current_key_id").asText()).isEqualTo(keys.getLast().keyId());
    return AuditKeyring.of(keys);
  }

  @Test
  void export_fromEitherGateway_verifiesAgainstThePublicIdentity() {
    for (TestGateway gw : List.of(one, two)) {
      TestGateway.Reply r = gw.get("/v1/audit/export", auditor);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/x-ndjson"));
      ExportVerifier v = ExportVerifier.create(Optional.of(publishedKeys()), Optional.empty());
      for (String line : r.body().split("\n")) {
        v.accept(line);
      }
      VerificationResult result = v.finish();
      assertThat(result.isVerified()).as(result.toString()).isTrue();
      // tenant.created and three api_key.created events precede the 30 decisions
      assertThat(((VerificationResult.Verified) result).count()).isEqualTo(34);
      assertThat(r.body()).doesNotContain(b.id());
    }
  }

  @Test
  void events_arePagedAndFiltered_forAuditorsOnly() {
    TestGateway.Reply page = one.get("/v1/audit/events?limit=10", auditor);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.json().path("data")).hasSize(10);
    assertThat(page.json().path("next_after_seq").asLong()).isEqualTo(10);
    TestGateway.Reply denied = one.get("/v1/audit/events?type=policy.decided&agent_id=agent-0&after_seq=20", auditor);
    List<Long> seqs = new ArrayList<>();
    denied.json().path("data").forEach(e -> seqs.add(e.path("seq").asLong()));
    assertThat(seqs).containsExactly(22L, 24L, 26L, 28L, 30L, 32L, 34L);
    assertThat(one.get("/v1/audit/events", agent).status()).isEqualTo(403);
    assertThat(one.get("/v1/audit/events", null).status()).isEqualTo(401);
    assertThat(one.get("/v1/audit/events", b.adminKey()).json().path("data")).hasSize(3);
    TestGateway.Reply bad = one.get("/v1/audit/events?type=no.such.type", auditor);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.code()).isEqualTo("invalid_parameter");
    assertThat(one.get("/v1/audit/events?after_seq=-1", auditor).status()).isEqualTo(400);
    assertThat(one.get("/v1/audit/events?limit=999", auditor).status()).isEqualTo(200);
    assertThat(one.get("/v1/audit/events?limit=1000", auditor).status()).isEqualTo(400);
  }

  @Test
  void checkpointAndProofs_verifyOffline() {
    AuditKeyring keys = publishedKeys();
    TreeHead cp = TreeHead.fromJson(one.get("/v1/audit/checkpoints/latest", auditor).json());
    assertThat(cp.treeSize()).isEqualTo(34);
    assertThat(cp.verify(keys.find(cp.keyId()).orElseThrow())).isTrue();

    JsonNode inc = one.get("/v1/audit/proofs/inclusion?seq=7&tree_size=34", auditor).json();
    List<HashValue> path = new ArrayList<>();
    inc.path("path").forEach(h -> path.add(HashValue.parse(h.asText())));
    TreeHead head = TreeHead.fromJson(inc.path("tree_head"));
    assertThat(head.rootHash()).isEqualTo(cp.rootHash());
    assertThat(MerkleTree.verifyInclusion(6, 34, HashValue.parse(inc.path("leaf_hash").asText()), path, head.rootHash())).isTrue();

    JsonNode cons = one.get("/v1/audit/proofs/consistency?from=11&to=30", auditor).json();
    List<HashValue> cpath = new ArrayList<>();
    cons.path("path").forEach(h -> cpath.add(HashValue.parse(h.asText())));
    TreeHead from = TreeHead.fromJson(cons.path("from_head"));
    TreeHead to = TreeHead.fromJson(cons.path("to_head"));
    assertThat(from.verify(keys.find(from.keyId()).orElseThrow())).isTrue();
    assertThat(MerkleTree.verifyConsistency(11, 30, from.rootHash(), to.rootHash(), cpath)).isTrue();

    assertThat(one.get("/v1/audit/proofs/inclusion?seq=35&tree_size=34", auditor).status()).isEqualTo(400);
    assertThat(one.get("/v1/audit/proofs/inclusion", auditor).status()).isEqualTo(400);
    assertThat(one.get("/v1/audit/proofs/consistency?from=5&to=99", auditor).status()).isEqualTo(400);
    assertThat(one.get("/v1/audit/export?from_seq=99", auditor).status()).isEqualTo(400);
  }

  @Test
  void identityIsPublic_andRotationIsForTheOperator() {
    assertThat(one.get("/v1/identity", null).status()).isEqualTo(200);
    assertThat(one.post("/v1/identity/rotate", a.adminKey(), "").status()).isEqualTo(403);
  }
}
