package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.waygate.audit.AuditIndex;
import dev.waygate.mcp.Json;
import dev.waygate.upstream.Upstream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sandboxed servers at the real egress proxy (decision 0024). Two {@code network: egress} servers
 * ({@code fetcher}, {@code other}: the hostile fixture, which fetches through its HTTP_PROXY, and
 * curl run inside its sandbox) each reach only what the rule naming its own principal
 * ({@code server:NAME}) allows; the audit entries name that principal; a forged or revoked
 * credential is refused. An {@code install} step fetches a "package" through the proxy into a
 * cache (curl, as {@code server:installed}), after which the server, with no network, reads the
 * cache but cannot write it; an install the egress rules refuse keeps its server down.
 */
class SandboxEgressIT {
    static final String HOSTILE = SandboxIT.HOSTILE;
    static final String PACKAGE = "PKG-" + UUID.randomUUID();
    static HttpServer backend;
    static final Queue<String> seen = new ConcurrentLinkedQueue<>();
    static Path area;
    static Path cache;
    static Path refusedCache;
    static int proxyPort;
    static int port;
    static GatewayFixture gw;
    static McpSession mcp;

    @BeforeAll
    static void start() throws Exception {
        area = SandboxIT.open(Files.createTempDirectory("waygate-sandbox-egress-it"), "rwxr-xr-x");
        // world-writable: when the tests run as root, the install runs as the sandbox's own uid
        cache = SandboxIT.open(Files.createDirectories(area.resolve("cache")), "rwxrwxrwx");
        refusedCache = SandboxIT.open(Files.createDirectories(area.resolve("refused-cache")), "rwxrwxrwx");
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        backend.createContext("/", x -> {
            seen.add(x.getRequestURI().getPath());
            byte[] body = (x.getRequestURI().getPath().equals("/pkg") ? PACKAGE : "hello " + x.getRequestURI().getPath())
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        });
        backend.start();
        port = backend.getAddress().getPort();
        proxyPort = GatewayFixture.freePort();
        gw = GatewayFixture.start("""
                egress:
                  listen: 127.0.0.1:%1$d
                  rules:
                    - { name: fetcher-only, domains: [localhost], ports: [%2$d], allow_cidrs: [127.0.0.0/8], principals: ["server:fetcher"] }
                    - { name: other-only, domains: [127.0.0.1], ports: [%2$d], allow_cidrs: [127.0.0.0/8], principals: ["server:other"] }
                    - { name: install-pkg, domains: [localhost], ports: [%2$d], paths: [/pkg], allow_cidrs: [127.0.0.0/8],
                        principals: ["server:installed"] }
                servers:
                  fetcher: { command: node, args: ["%3$s"], sandbox: { network: egress, proxy: "127.0.0.1:%1$d" } }
                  other: { command: node, args: ["%3$s"], sandbox: { network: egress, proxy: "127.0.0.1:%1$d" } }
                  installed:
                    command: node
                    args: ["%3$s"]
                    sandbox:
                      proxy: "127.0.0.1:%1$d"
                      install: { command: curl, args: [-sSf, --max-time, "30", -o, "%4$s/pkg.txt", "http://localhost:%2$d/pkg"],
                                 cache: ["%4$s"] }
                  refused:
                    command: node
                    args: ["%3$s"]
                    required: false
                    sandbox:
                      proxy: "127.0.0.1:%1$d"
                      install: { command: curl, args: [-sSf, --max-time, "30", -o, "%5$s/pkg.txt", "http://localhost:%2$d/pkg"],
                                 cache: ["%5$s"] }
                  slow:
                    command: node
                    args: ["%3$s"]
                    required: false
                    sandbox: { install: { command: sleep, args: ["120"], timeout: 1s } }
                policy:
                  rules:
                    # the tools' url arguments name loopback on purpose: the egress proxy decides here, not the SSRF guard
                    - { name: all, effect: allow, guards: { ssrf: report } }
                """.formatted(proxyPort, port, HOSTILE, cache, refusedCache));
        gw.awaitReady(Duration.ofSeconds(120)).awaitTools(Duration.ofSeconds(60), "fetcher__via_proxy", "other__via_proxy",
                "installed__read_file");
        mcp = new McpSession(gw.mcpUrl(), gw.key());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        backend.stop(0);
        GatewayFixture.deleteTree(area);
    }

    static JsonNode attempt(String server, String tool, String args) throws Exception {
        JsonNode r = mcp.call(server + "__" + tool, args);
        return Json.parse(SandboxIT.text(r));
    }

    static String via(String server, String url) throws Exception {
        return attempt(server, "via_proxy", "{\"url\":\"" + url + "\"}").path("detail").asText();
    }

    @Test
    void eachServerReachesOnlyWhatTheRuleForItsOwnPrincipalAllows() throws Exception {
        String allowed = "http://localhost:" + port;
        String others = "http://127.0.0.1:" + port;

        assertThat(via("fetcher", allowed + "/fetcher-allowed")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(via("fetcher", others + "/fetcher-denied")).startsWith("HTTP/1.1 403");
        assertThat(via("other", allowed + "/other-denied")).startsWith("HTTP/1.1 403");
        assertThat(via("other", others + "/other-allowed")).isEqualTo("HTTP/1.1 200 OK");
        // curl, another codebase's client, takes the credential from http_proxy by itself
        assertThat(attempt("fetcher", "curl", "{\"url\":\"" + allowed + "/curl-allowed\"}").path("detail").asText()).isEqualTo("200");
        assertThat(attempt("fetcher", "curl", "{\"url\":\"" + others + "/curl-denied\"}").path("detail").asText()).isEqualTo("403");

        // CONNECT goes through the same hook: curl sends the credential on the tunnel request too
        assertThat(attempt("fetcher", "curl", "{\"url\":\"https://127.0.0.1:" + port + "/tunnel-denied\"}").path("detail").asText())
                .contains("CONNECT tunnel failed, response 403");
        assertThat(audited("server:fetcher", 5)).anyMatch(l -> l.contains("\"egress.connect\"") && l.contains("\"deny\""));

        assertThat(seen).contains("/fetcher-allowed", "/other-allowed", "/curl-allowed")
                .doesNotContain("/fetcher-denied", "/other-denied", "/curl-denied");
        List<String> fetcher = audited("server:fetcher", 4);
        assertThat(fetcher).anyMatch(l -> l.contains("\"egress.request\"") && l.contains("\"allow\"") && l.contains("\"fetcher-only\""));
        assertThat(fetcher).anyMatch(l -> l.contains("\"egress.request\"") && l.contains("\"deny\"") && l.contains("127.0.0.1:" + port));
        assertThat(audited("server:other", 2)).anyMatch(l -> l.contains("\"allow\"") && l.contains("\"other-only\""));
    }

    /** The credential, as the server sees it, works only for that server and only while that start of it runs. */
    @Test
    void aForgedBorrowedOrRevokedCredentialIsRefused() throws Exception {
        // The server can read its own credential; the gateway's output guard keeps it from reaching the MCP client.
        String seenByClient = attempt("fetcher", "find_env", "{\"name\":\"HTTP_PROXY\"}").path("detail").asText();
        String[] userinfo = {"fetcher", secretOf("fetcher")};
        assertThat(userinfo[1]).hasSize(43);
        assertThat(seenByClient).endsWith("127.0.0.1:3128").doesNotContain(userinfo[1]);
        String target = "http://localhost:" + port + "/direct";

        assertThat(rawProxyGet(target, "fetcher:" + userinfo[1])).as("the server's own credential").startsWith("HTTP/1.1 200");
        assertThat(rawProxyGet(target, "other:" + userinfo[1])).as("another server's name").startsWith("HTTP/1.1 407");
        assertThat(rawProxyGet(target, "fetcher:" + "A".repeat(43))).as("a guessed secret").startsWith("HTTP/1.1 407");
        assertThat(rawProxyGet(target, "fetcher:")).as("no secret").startsWith("HTTP/1.1 407");
        assertThat(rawProxyGet(target, "tester:" + gw.key())).as("an API key is its own principal")
                .startsWith("HTTP/1.1 403");

        // A new start of the server mints a new credential; the old one is revoked.
        Upstream f = gw.upstream("fetcher");
        int restarts = f.restarts();
        JsonNode killed = mcp.call("fetcher__flood", "{\"mb\":20}");
        assertThat(killed.path("error").path("message").asText()).isEqualTo("limit exceeded: output");
        awaitRestart(f, restarts);
        assertThat(rawProxyGet(target, "fetcher:" + userinfo[1])).as("after a restart").startsWith("HTTP/1.1 407");
        assertThat(via("fetcher", target + "-again")).isEqualTo("HTTP/1.1 200 OK");
    }

    @Test
    void theInstallFetchesThroughTheProxyOnceThenTheServerReadsTheCacheButCannotWriteIt() throws Exception {
        Path pkg = cache.resolve("pkg.txt");
        assertThat(Files.readString(pkg)).isEqualTo(PACKAGE);
        assertThat(attempt("installed", "read_file", "{\"path\":\"" + pkg + "\"}").path("detail").asText()).isEqualTo(PACKAGE);
        assertThat(attempt("installed", "write_file", "{\"path\":\"" + pkg + "\"}").path("detail").asText()).isEqualTo("EROFS");
        assertThat(attempt("installed", "write_file", "{\"path\":\"" + cache.resolve("new.txt") + "\"}").path("detail").asText())
                .isEqualTo("EROFS");
        assertThat(Files.readString(pkg)).isEqualTo(PACKAGE);
        // the server itself has network none
        assertThat(via("installed", "http://localhost:" + port + "/from-server")).isEqualTo("no HTTP_PROXY");
        assertThat(audited("server:installed", 1)).anyMatch(l -> l.contains("\"allow\"") && l.contains("\"install-pkg\""));

        // a restart does not install again
        long installs = seen.stream().filter("/pkg"::equals).count();
        Upstream u = gw.upstream("installed");
        int restarts = u.restarts();
        assertThat(mcp.call("installed__flood", "{\"mb\":20}").path("error").path("message").asText()).isEqualTo("limit exceeded: output");
        awaitRestart(u, restarts);
        assertThat(seen.stream().filter("/pkg"::equals).count()).isEqualTo(installs).isOne();
    }

    @Test
    void anInstallTheEgressRulesRefuseKeepsItsServerDown() throws Exception {
        Upstream r = gw.upstream("refused");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!r.lastError().startsWith("sandbox: install failed") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(r.state()).isNotEqualTo(Upstream.State.READY);
        assertThat(r.lastError()).startsWith("sandbox: install failed (exit 22): ").contains("403");
        assertThat(refusedCache.resolve("pkg.txt")).doesNotExist();
        assertThat(audited("server:refused", 1)).anyMatch(l -> l.contains("\"deny\"") && l.contains("\"egress.request\""));
    }

    @Test
    void anInstallThatRunsPastItsTimeoutIsKilledAndKeepsItsServerDown() throws Exception {
        Upstream slow = gw.upstream("slow");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!slow.lastError().startsWith("sandbox: install") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(slow.lastError()).isEqualTo("sandbox: install did not finish within 1 s");
        assertThat(slow.state()).isNotEqualTo(Upstream.State.READY);
        // killed, not left behind: no sleep 120 among the gateway's descendants beyond the one a retry may be running
        // (a kill is asynchronous: on a loaded machine a killed process may take a moment to be gone)
        long sleeping = Long.MAX_VALUE;
        for (long until = System.nanoTime() + Duration.ofSeconds(10).toNanos(); sleeping > 1 && System.nanoTime() < until; Thread.sleep(100)) {
            sleeping = ProcessHandle.current().descendants().filter(p -> p.isAlive() && p.info().commandLine().orElse("").endsWith("sleep 120")).count();
        }
        assertThat(sleeping).isLessThanOrEqualTo(1);
    }

    @Test
    void diagnosticsNameTheEgressPrincipalAndTheLimitsThatAreNotEnforced() throws Exception {
        String admin = gw.createKey("egress-admin", "admin");
        HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.base() + "/diagnostics/security"))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = Json.parse(resp.body());
        JsonNode fetcher = server(body, "fetcher");
        assertThat(fetcher.path("egress_principal").asText()).isEqualTo("server:fetcher");
        assertThat(server(body, "installed").path("install").path("cache_read_only_after_install").path(0).asText())
                .isEqualTo(cache.toString());
        JsonNode limits = body.path("sandbox").path("limits");
        assertThat(limits.path("enforced").path("memory_mb").asText()).startsWith("prlimit RLIMIT_AS");
        assertThat(limits.path("not_available").path("memory_total").asText()).contains("cgroup memory.max");
        if (!body.path("sandbox").path("cgroups").path("usable").asBoolean()) {
            assertThat(limits.path("not_available").path("processes_total").asText()).contains("needs a delegated cgroup v2");
        }
        assertThat(resp.body()).doesNotContain(secretOf("fetcher"));
    }

    /** A read_write path the sandbox's user cannot write: the server is not started; /ready and diagnostics say why. */
    @Test
    void aReadWritePathTheSandboxCannotWriteKeepsTheServerDownAndSaysWhy() throws Exception {
        Path locked = SandboxIT.open(Files.createDirectories(area.resolve("locked")), "r-xr-xr-x");
        Path open = SandboxIT.open(Files.createDirectories(area.resolve("open")), "rwxrwxrwx");
        try (GatewayFixture bad = GatewayFixture.start("""
                servers:
                  boxed: { command: node, args: ["%s"], sandbox: { read_write: ["%s", "%s"] } }
                """.formatted(HOSTILE, open, locked))) {
            HttpClient http = HttpClient.newHttpClient();
            String want = "sandbox: read_write path " + locked + " is not writable by the sandbox (";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode ready = Json.object();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(bad.base() + "/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(503);
                ready = Json.parse(r.body());
                if (ready.path("waiting").path(0).path("error").asText().startsWith(want)) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(ready.path("waiting").path(0).path("server").asText()).isEqualTo("boxed");
            assertThat(ready.path("waiting").path(0).path("error").asText()).startsWith(want).contains("mode r-xr-xr-x")
                    .endsWith("grant it write access or remove it from read_write");
            String admin = bad.createKey("rw-admin", "admin");
            JsonNode diag = Json.parse(http.send(HttpRequest.newBuilder(URI.create(bad.base() + "/diagnostics/security"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(server(diag, "boxed").path("problem").asText()).startsWith(want);
            assertThat(server(diag, "boxed").path("state").asText()).isNotEqualTo("ready");
        }
    }

    static JsonNode server(JsonNode diagnostics, String name) {
        for (JsonNode s : diagnostics.path("servers")) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no server " + name + " in " + diagnostics);
    }

    /** The secret in the running server's environment, read from /proc as the test's user (the gateway's) can. */
    static String secretOf(String server) throws Exception {
        String prefix = "HTTP_PROXY=http://" + server + ":";
        for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
            try {
                String environ = Files.readString(Path.of("/proc/" + p.pid() + "/environ"), StandardCharsets.ISO_8859_1);
                for (String e : environ.split("\0")) {
                    if (e.startsWith(prefix)) {
                        return e.substring(prefix.length(), e.indexOf('@'));
                    }
                }
            } catch (java.io.IOException e) {
                // gone, or not ours to read
            }
        }
        throw new AssertionError("no process of server " + server + " with a proxy credential");
    }

    /** A GET through the proxy with {@code Proxy-Authorization: Basic userinfo}; the status line. */
    static String rawProxyGet(String url, String userinfo) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
            s.setSoTimeout(20_000);
            String auth = Base64.getEncoder().encodeToString(userinfo.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: " + URI.create(url).getAuthority()
                    + "\r\nProxy-Authorization: Basic " + auth + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return all.lines().findFirst().orElse("");
        }
    }

    /** Audit lines of a principal, waiting for at least {@code atLeast} (egress entries are written off the I/O threads). */
    static List<String> audited(String principal, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> lines;
        do {
            lines = gw.gateway().audit().index().search(new AuditIndex.Query(Optional.of(principal), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), 100));
            if (lines.size() >= atLeast) {
                return lines;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return lines;
    }

    static void awaitRestart(Upstream u, int before) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while ((u.restarts() <= before || u.state() != Upstream.State.READY) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(u.state()).as("%s: %s", u.name(), u.lastError()).isEqualTo(Upstream.State.READY);
    }
}
