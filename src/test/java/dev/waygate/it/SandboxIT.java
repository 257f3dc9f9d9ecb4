package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.AuditIndex;
import dev.waygate.config.SandboxConfig;
import dev.waygate.mcp.Json;
import dev.waygate.upstream.Upstream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile MCP server ({@code fixtures/node/hostile/server.mjs}) twice behind one gateway: {@code caged}
 * in its default sandbox (plus small limits) and {@code free} with {@code sandbox: none}. Every
 * attempt (loopback connection, a canary file outside its binds, a write to a read-only path, the
 * gateway's environment, 1,000 processes, 2 GiB) fails in the cage and succeeds outside it, which
 * shows each assertion can fail. Breaking a limit kills the caged server: the call gets
 * {@code limit exceeded: ...}, the breach is audited, the server comes back, and the gateway and
 * the other server never notice.
 */
class SandboxIT {
    static final String HOSTILE = GatewayFixture.NODE.resolve("hostile/server.mjs").toString();
    static Path area;
    static Path canary;
    static Path readOnly;
    static Path writable;
    static String canaryText = "CANARY-" + UUID.randomUUID();
    static ServerSocket listener;
    /** Stands in for Waygate's egress proxy: records each request line, answers 200. */
    static ServerSocket proxy;
    static final java.util.Queue<String> proxied = new java.util.concurrent.ConcurrentLinkedQueue<>();
    static final AtomicInteger accepted = new AtomicInteger();
    static Map.Entry<String, String> secret;
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        // Directories the sandbox's own uid could reach by permissions: only the sandbox stands in the way.
        area = Files.createTempDirectory("waygate-sandbox-it");
        open(area, "rwxr-xr-x");
        Path home = open(Files.createDirectories(area.resolve("home/.ssh")), "rwxr-xr-x");
        open(home.getParent(), "rwxr-xr-x");
        canary = Files.writeString(home.resolve("id_canary"), canaryText);
        open(canary, "rw-r--r--");
        readOnly = open(Files.createDirectories(area.resolve("ro")), "rwxrwxrwx");
        writable = open(Files.createDirectories(area.resolve("rw")), "rwxrwxrwx");
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                    accepted.incrementAndGet();
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!proxy.isClosed()) {
                try (Socket s = proxy.accept()) {
                    var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream()));
                    proxied.add(in.readLine());
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                } catch (java.io.IOException e) {
                    if (proxy.isClosed()) {
                        return;
                    }
                }
            }
        });
        secret = System.getenv().entrySet().stream()
                .filter(e -> e.getKey().matches("[A-Z][A-Z0-9_]{2,}") && e.getValue().length() >= 3 && !e.getValue().contains("\n"))
                .filter(e -> !SandboxConfig.DEFAULT_ENV.contains(e.getKey()) && !List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ",
                        "TMPDIR", "USER", "SHELL", "TERM", "NODE_PATH", "npm_config_cache", "PWD", "OLDPWD", "SHLVL").contains(e.getKey()))
                .findFirst().orElseThrow(() -> new AssertionError("the test JVM has no environment variable to look for"));
        gw = GatewayFixture.start("""
                servers:
                  caged:
                    command: node
                    args: ["%1$s"]
                    timeout: 120s
                    sandbox:
                      read_only: ["%2$s"]
                      limits: { memory_mb: 1536, max_processes: 32, cpu_seconds: 5, max_message_bytes: 1048576, max_file_size_mb: 1,
                                max_open_files: 64 }
                  hungry: { command: node, args: ["%1$s"], sandbox: { limits: { memory_mb: 1536 } } }
                  walled:
                    command: node
                    args: ["%1$s"]
                    sandbox: { limits: { wall_timeout: 2s } }
                  free: { command: node, args: ["%1$s"], sandbox: none }
                  files:
                    command: node
                    args: ["%3$s", "%4$s"]
                    sandbox: { read_write: ["%4$s"] }
                  everything: { command: node, args: ["%5$s", stdio] }
                  crashy: { command: /bin/false, required: false }
                  egressed: { command: node, args: ["%1$s"], sandbox: { network: egress, proxy: "127.0.0.1:%6$d" } }
                policy:
                  rules:
                    # The URL names a host this machine cannot resolve; the egress proxy, not the SSRF
                    # guard, is what this test is about (the guard would refuse an unresolvable host).
                    - { name: egress-test, servers: [egressed], effect: allow, guards: { ssrf: report } }
                    - { name: everyone, effect: allow }
                """.formatted(HOSTILE, readOnly, GatewayFixture.filesystem(), writable, GatewayFixture.everything(),
                proxy.getLocalPort()));
        gw.awaitReady(Duration.ofSeconds(90)).awaitTools(Duration.ofSeconds(60), "caged__connect", "free__connect",
                "walled__spin", "files__write_file", "everything__echo", "egressed__via_proxy");
    }

    static Path open(Path p, String perms) throws java.io.IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        listener.close();
        proxy.close();
        GatewayFixture.deleteTree(area);
    }

    static String ops(String server) {
        return """
                [{"op":"callTool","name":"%1$s__connect","arguments":{"port":%2$d},"timeoutMs":60000},
                 {"op":"callTool","name":"%1$s__read_file","arguments":{"path":"%3$s"},"timeoutMs":60000},
                 {"op":"callTool","name":"%1$s__write_file","arguments":{"path":"%4$s/%1$s.txt"},"timeoutMs":60000},
                 {"op":"callTool","name":"%1$s__find_env","arguments":{"name":"%5$s"},"timeoutMs":60000},
                 {"op":"callTool","name":"%1$s__fork","arguments":{"count":1000},"timeoutMs":110000},
                 {"op":"callTool","name":"%1$s__allocate","arguments":{"mb":2048},"timeoutMs":110000},
                 {"op":"callTool","name":"%1$s__write_big","arguments":{"path":"/tmp/waygate-sandbox-it-%1$s-%6$d","mb":4},"timeoutMs":60000},
                 {"op":"callTool","name":"%1$s__open_files","arguments":{"count":1000},"timeoutMs":60000}]"""
                .formatted(server, listener.getLocalPort(), canary, readOnly, secret.getKey(), ProcessHandle.current().pid());
    }

    /** The text result of a hostile tool: {"ok": did the attempt succeed, "detail": ...}. */
    static JsonNode attempt(JsonNode out, int i) throws Exception {
        return Json.parse(NodeClient.text(out, i));
    }

    @Test
    void everyAttemptFailsInTheSandboxAndSucceedsWithoutIt() throws Exception {
        JsonNode caged = NodeClient.http(gw.mcpUrl(), gw.key(), ops("caged"));
        int acceptedBefore = accepted.get();
        JsonNode free = NodeClient.http(gw.mcpUrl(), gw.key(), ops("free"));

        // 1. A TCP connection to a port the test listens on: the sandbox has only its own loopback.
        assertThat(attempt(caged, 0).path("detail").asText()).isEqualTo("ECONNREFUSED");
        assertThat(attempt(free, 0).path("ok").asBoolean()).as("%s", attempt(free, 0)).isTrue();
        assertThat(accepted.get()).as("the free server's connection arrived").isGreaterThan(acceptedBefore);
        // 2. A canary file in a "home" outside its binds: not there at all.
        assertThat(attempt(caged, 1).path("detail").asText()).isEqualTo("ENOENT");
        assertThat(attempt(free, 1).path("detail").asText()).isEqualTo(canaryText);
        // 3. A write to a path bound read-only (world-writable on the host).
        assertThat(attempt(caged, 2).path("detail").asText()).isEqualTo("EROFS");
        assertThat(Files.exists(readOnly.resolve("caged.txt"))).isFalse();
        assertThat(attempt(free, 2).path("ok").asBoolean()).as("%s", attempt(free, 2)).isTrue();
        assertThat(readOnly.resolve("free.txt")).exists();
        // 4. The gateway's environment, through /proc/<pid>/environ of every visible process.
        assertThat(attempt(caged, 3).path("ok").asBoolean()).as("%s", attempt(caged, 3)).isFalse();
        assertThat(attempt(free, 3).path("detail").asText()).isEqualTo(secret.getValue());
        // 5. 1,000 processes at once: max_processes 32.
        assertThat(attempt(caged, 4).path("ok").asBoolean()).as("%s", attempt(caged, 4)).isFalse();
        assertThat(attempt(caged, 4).path("detail").asText()).contains("EAGAIN");
        assertThat(attempt(free, 4).path("ok").asBoolean()).as("%s", attempt(free, 4)).isTrue();
        // 6. 2 GiB: memory_mb 1536 is the whole address space.
        assertThat(attempt(caged, 5).path("ok").asBoolean()).as("%s", attempt(caged, 5)).isFalse();
        assertThat(attempt(free, 5).path("detail").asText()).isEqualTo("allocated 2048 MiB");
        // 7. A 4 MiB file (in its private /tmp): max_file_size_mb 1. Node ignores SIGXFSZ, so the write fails with EFBIG.
        assertThat(attempt(caged, 6).path("detail").asText()).isEqualTo("EFBIG");
        assertThat(attempt(free, 6).path("detail").asText()).isEqualTo("wrote 4 MiB");
        // 8. 1,000 open files: max_open_files 64.
        assertThat(attempt(caged, 7).path("detail").asText()).isEqualTo("EMFILE");
        assertThat(attempt(free, 7).path("detail").asText()).isEqualTo("opened 1000");
        System.out.printf("SandboxIT: caged %s%nSandboxIT: free  %s%n", caged.path("results"), free.path("results"));
    }

    @Test
    void breakingALimitKillsTheServerWithAClearErrorAnAuditEntryAndARestart() throws Exception {
        McpSession s = new McpSession(gw.mcpUrl(), gw.key());
        assertLimit(s, "caged", "caged__spin", "{\"seconds\":120}", "cpu");
        assertLimit(s, "caged", "caged__flood", "{\"mb\":100}", "output");
        assertLimit(s, "hungry", "hungry__allocate_heap", "{}", "memory");
        assertLimit(s, "walled", "walled__spin", "{\"seconds\":60}", "wall_timeout");

        List<String> audited = gw.gateway().audit().index().search(new AuditIndex.Query(Optional.empty(), Optional.of("caged"),
                Optional.of("error"), Optional.empty(), Optional.empty(), 100));
        assertThat(audited).anyMatch(l -> l.contains("\"sandbox.limit_exceeded\"") && l.contains("limit_exceeded_cpu"));
        assertThat(audited).anyMatch(l -> l.contains("limit_exceeded_output"));
        assertThat(gw.gateway().audit().index().search(new AuditIndex.Query(Optional.empty(), Optional.of("hungry"),
                Optional.of("error"), Optional.empty(), Optional.empty(), 100))).anyMatch(l -> l.contains("limit_exceeded_memory"));
        // the unconfined server and the gateway never noticed
        assertThat(text(s.call("free__spin", "{\"seconds\":0}"))).contains("\"ok\":true");
        assertThat(gw.upstream("free").restarts()).isZero();
    }

    static void assertLimit(McpSession s, String server, String tool, String args, String limit) throws Exception {
        awaitReady(server);
        int restarts = gw.upstream(server).restarts();
        JsonNode r = s.call(tool, args);
        assertThat(r.path("error").path("code").asInt()).as("%s: %s", tool, r).isEqualTo(-32060);
        assertThat(r.path("error").path("message").asText()).isEqualTo("limit exceeded: " + limit);
        assertThat(r.path("error").path("data").path("server").asText()).isEqualTo(server);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (gw.upstream(server).restarts() <= restarts && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        awaitReady(server);
        assertThat(text(s.call(server + "__spin", "{\"seconds\":0}"))).as("back after %s", limit).contains("\"ok\":true");
    }

    static void awaitReady(String server) throws InterruptedException {
        Upstream u = gw.upstream(server);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (u.state() != Upstream.State.READY && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(u.state()).as("%s: %s", server, u.lastError()).isEqualTo(Upstream.State.READY);
    }

    static String text(JsonNode response) {
        return response.path("result").path("content").path(0).path("text").asText(response.toString());
    }

    /** network: egress: the proxy is reachable through the bridge; the test's port, beside it on the host, is not. */
    @Test
    void egressReachesOnlyTheEgressProxy() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"egressed__via_proxy","arguments":{"url":"http://example.com/sandbox-it"},"timeoutMs":60000},
                 {"op":"callTool","name":"egressed__connect","arguments":{"port":%d},"timeoutMs":60000}]""".formatted(listener.getLocalPort()));

        assertThat(attempt(out, 0).path("detail").asText()).as("%s", out).isEqualTo("HTTP/1.1 200 OK");
        assertThat(proxied).contains("GET http://example.com/sandbox-it HTTP/1.1");
        assertThat(attempt(out, 1).path("detail").asText()).isEqualTo("ECONNREFUSED");
    }

    @Test
    void serverFilesystemWritesOnlyWhereItsSandboxAllowsAndServerEverythingWorks() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"files__write_file","arguments":{"path":"%1$s/note.txt","content":"hello"}},
                 {"op":"callTool","name":"files__read_text_file","arguments":{"path":"%2$s"}},
                 {"op":"callTool","name":"everything__echo","arguments":{"message":"boxed"}}]""".formatted(writable, canary));
        NodeClient.result(out, 0);
        assertThat(Files.readString(writable.resolve("note.txt"))).isEqualTo("hello");
        assertThat(NodeClient.text(out, 1)).doesNotContain(canaryText);
        assertThat(NodeClient.text(out, 2)).isEqualTo("Echo: boxed");
    }

    @Test
    void aServerThatKeepsCrashingTripsTheCircuitBreaker() throws Exception {
        Upstream crashy = gw.upstream("crashy");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (crashy.state() != Upstream.State.UNHEALTHY && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(crashy.state()).isEqualTo(Upstream.State.UNHEALTHY);
        int restarts = crashy.restarts();
        Thread.sleep(1500);
        assertThat(crashy.restarts()).as("no restart while the circuit is open").isEqualTo(restarts);
    }

    @Test
    void diagnosticsListTheUnsandboxedServerForAdminsOnly() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String admin = gw.createKey("sec-admin", "admin");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gw.base() + "/diagnostics/security"))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("sandbox").path("available").asBoolean()).isTrue();
        assertThat(body.path("unsandboxed_servers").findValuesAsText("name")).containsExactly("free");
        assertThat(body.path("servers").findValuesAsText("name")).contains("caged", "walled", "files", "everything", "egressed");
        HttpResponse<String> servers = http.send(HttpRequest.newBuilder(URI.create(gw.base() + "/mcp/servers"))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode list = Json.parse(servers.body()).path("servers");
        for (JsonNode s : list) {
            assertThat(s.path("sandbox").asText()).as("%s", s).isEqualTo(s.path("name").asText().equals("free") ? "none" : "bubblewrap");
        }
        HttpResponse<String> dev = http.send(HttpRequest.newBuilder(URI.create(gw.base() + "/diagnostics/security"))
                .header("Authorization", "Bearer " + gw.key()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(dev.statusCode()).isEqualTo(403);
    }

    /** Fail closed: a sandbox that cannot be set up (a declared path is missing) keeps the server down, and /ready says why. */
    @Test
    void aSandboxThatCannotBeSetUpKeepsTheServerDownAndReadySaysWhy() throws Exception {
        try (GatewayFixture bad = GatewayFixture.start("""
                servers:
                  boxed: { command: node, args: ["%s"], sandbox: { read_only: ["/nonexistent/waygate-sandbox-it"] } }
                """.formatted(HOSTILE))) {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode ready = Json.object();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(bad.base() + "/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(503);
                ready = Json.parse(r.body());
                if (ready.path("waiting").path(0).path("error").asText().startsWith("sandbox:")) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(ready.path("waiting").path(0).path("server").asText()).isEqualTo("boxed");
            assertThat(ready.path("waiting").path(0).path("error").asText())
                    .isEqualTo("sandbox: read_only path /nonexistent/waygate-sandbox-it does not exist");
        }
    }
}
