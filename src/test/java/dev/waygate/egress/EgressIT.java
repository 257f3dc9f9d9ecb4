package dev.waygate.egress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.it.GatewayFixture;
import dev.waygate.mcp.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The egress proxy through a real gateway with real clients (curl, the JDK HttpClient, Node's
 * fetch with undici's ProxyAgent, raw sockets) against real loopback servers (HTTP, HTTPS with a
 * CA made by the test, TCP echo).
 */
class EgressIT {
    static Backends backends;
    static GatewayFixture gw;
    static Path dir;
    static String key;
    static String other;
    static int proxy;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("egress-it");
        backends = new Backends(dir);
        int h = backends.httpPort(), s = backends.httpsPort(), e = backends.echoPort();
        Files.writeString(dir.resolve("rules.json"), rulesJson(""));
        // watch_config off: the reload test drives POST /proxy/reload-config and checks each answer;
        // the watcher reloading the same edits first would make "applied" race (EgressSourcePrincipalIT tests the watcher)
        gw = GatewayFixture.start("""
                watch_config: false
                egress:
                  listen: 127.0.0.1:0
                  default: deny
                  limits: { max_tunnels_per_principal: 3, max_header_bytes: 4096 }
                  rules_file: %s
                  rules:
                    - { name: local, domains: [localhost, 127.0.0.1], ports: [%d, %d, %d], allow_cidrs: [127.0.0.0/8], principals: [tester] }
                    - { name: no-cidrs, domains: [localhost], ports: [%d], principals: [nocidr] }
                    - { name: get-only, domains: [localhost], ports: [%d], methods: [GET], paths: [/ok], allow_cidrs: [127.0.0.0/8], principals: [reporter], mode: report }
                    - { name: limited, domains: [localhost], ports: [%d], allow_cidrs: [127.0.0.0/8], principals: [limited], rate_limit: { per_minute: 1, burst: 5 } }
                    - { name: anywhere, domains: ["*"], ports: [80, 443, %d], principals: [wild] }
                """.formatted(dir.resolve("rules.json"), h, s, e, h, h, h, h));
        key = gw.key();
        proxy = gw.gateway().egress().orElseThrow().port();
    }

    /** The rules file: a rule for principal {@code filed} to the HTTP backend, and {@code extra}. */
    static String rulesJson(String extra) {
        return """
                {"rules": [{"name": "from-file", "domains": ["localhost"], "ports": [%d], "allow_cidrs": ["127.0.0.0/8"],
                            "principals": ["filed"]}%s]}
                """.formatted(backends.httpPort(), extra);
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        backends.close();
    }

    static String keyFor(String principal) {
        return gw.createKey(principal, "agent");
    }

    // ---- curl -------------------------------------------------------------------------------

    static Cli.Result curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}",
                "--proxy", "http://127.0.0.1:" + proxy));
        cmd.addAll(List.of(args));
        return Cli.run(cmd);
    }

    @Test
    void curlPlainHttpIsForwardedWithHopByHopHeadersRemoved() throws Exception {
        var r = curl("-U", "tester:" + key, "-H", "Connection: X-Private", "-H", "X-Private: drop-me",
                "-H", "Keep-Alive: timeout=5", "-H", "Te: trailers", "-H", "X-Kept: yes",
                "http://localhost:" + backends.httpPort() + "/hello?q=1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /hello?q=1\n").contains("x-kept: yes")
                .contains("host: localhost:" + backends.httpPort())
                .doesNotContain("x-private").doesNotContain("proxy-authorization").doesNotContain("keep-alive")
                .doesNotContain("\nte:").doesNotContain("proxy-connection").doesNotContain("forwarded");
    }

    @Test
    void curlWithoutCredentialsGets407WithAChallenge() throws Exception {
        var r = curl("-i", "http://localhost:" + backends.httpPort() + "/");
        assertThat(r.status()).isEqualTo(407);
        assertThat(r.body()).containsIgnoringCase("Proxy-Authenticate: Basic realm=\"waygate\"");
        var bad = curl("-U", "tester:wg_nope_nopenopenopenopenope", "http://localhost:" + backends.httpPort() + "/");
        assertThat(bad.status()).isEqualTo(407);
    }

    @Test
    void curlHttpsThroughConnectWithTheTestCa() throws Exception {
        var r = curl("-U", "tester:" + key, "--cacert", backends.caPem.toString(),
                "https://localhost:" + backends.httpsPort() + "/secure");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /secure\n");
    }

    @Test
    void noMatchingRuleIsDenied() throws Exception {
        var r = curl("-i", "-U", "tester:" + key, "http://localhost:1/");
        assertThat(r.body()).contains("X-Waygate-Reason: no_rule");
        assertThat(r.status()).isEqualTo(403);
    }

    @Test
    void loopbackIsDeniedWithoutAllowCidrs() throws Exception {
        var r = curl("-i", "-U", "nocidr:" + keyFor("nocidr"), "http://localhost:" + backends.httpPort() + "/");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("X-Waygate-Reason: loopback");
        assertThat(backends.seen).noneMatch(l -> l.contains("nocidr"));
    }

    @Test
    void reportModeAllowsAndRecordsWhatItWouldDeny() throws Exception {
        String k = keyFor("reporter");
        var post = curl("-U", "reporter:" + k, "-d", "x=1", "http://localhost:" + backends.httpPort() + "/elsewhere");
        assertThat(post.status()).isEqualTo(200);
        assertThat(post.body()).startsWith("POST /elsewhere");
        JsonNode stats = stats();
        assertThat(stats.at("/rules/get-only/reported").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(stats.at("/principals/reporter/denied").asLong()).isZero();
    }

    // ---- JDK HttpClient and Node -------------------------------------------------------------

    static HttpClient jdk(String principal, String k) {
        return HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy)))
                .sslContext(backends.clientTls).connectTimeout(Duration.ofSeconds(10))
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return new PasswordAuthentication(principal, k.toCharArray());
                    }
                }).build();
    }

    @Test
    void jdkHttpClientOverPlainHttpAndHttps() throws Exception {
        // The JDK disables Basic for proxies and tunnels by default; a header works for plain HTTP.
        HttpClient c = jdk("tester", key);
        String basic = "Basic " + Base64.getEncoder().encodeToString(("tester:" + key).getBytes(StandardCharsets.UTF_8));
        var plain = c.send(HttpRequest.newBuilder(URI.create("http://localhost:" + backends.httpPort() + "/jdk"))
                .header("Proxy-Authorization", basic).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).startsWith("GET /jdk");
    }

    @Test
    void nodeFetchThroughUndiciProxyAgent() throws Exception {
        Path script = dir.resolve("fetch.mjs");
        Path undici = GatewayFixture.MODULES.resolve("undici/index.js");
        Files.writeString(script, """
                import { ProxyAgent, fetch } from '%s';
                const [proxy, token, url] = process.argv.slice(2);
                const dispatcher = new ProxyAgent({ uri: proxy, token });
                const r = await fetch(url, { dispatcher });
                console.log(r.status + ' ' + (await r.text()).split('\\n')[0]);
                """.formatted(undici));
        String token = "Basic " + Base64.getEncoder().encodeToString(("tester:" + key).getBytes(StandardCharsets.UTF_8));
        for (String url : List.of("http://localhost:" + backends.httpPort() + "/node",
                "https://localhost:" + backends.httpsPort() + "/node-tls")) {
            ProcessBuilder pb = new ProcessBuilder("node", script.toString(), "http://127.0.0.1:" + proxy, token, url)
                    .redirectErrorStream(true);
            pb.environment().put("NODE_EXTRA_CA_CERTS", backends.caPem.toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).isEqualTo("200 GET " + URI.create(url).getPath());
        }
    }

    // ---- SSRF forms ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "http://2130706433/, obfuscated_ip",
            "http://0x7f.1/, obfuscated_ip",
            "http://0177.0.0.1/, obfuscated_ip",
            "http://[::ffff:127.0.0.1]/, loopback",
            "http://169.254.169.254/latest/meta-data/, metadata",
            "http://localhost/, loopback",
            "http://10.0.0.1/, private",
            "http://[fd00:ec2::254]/, metadata",
            "http://0.0.0.0/, unspecified",
    })
    void ssrfFormsAreRefusedEvenByACatchAllRule(String url, String reason) throws Exception {
        String k = wildKey();
        String head = raw("GET " + url + " HTTP/1.1\r\nHost: " + URI.create(url).getRawAuthority() + "\r\nProxy-Authorization: " + basic("wild", k)
                + "\r\nConnection: close\r\n\r\n");
        assertThat(head).startsWith("HTTP/1.1 403").contains("X-Waygate-Reason: " + reason);
    }

    @ParameterizedTest(name = "CONNECT {0} -> {1}")
    @CsvSource({"2130706433:443, obfuscated_ip", "0x7f.0.0.1:443, obfuscated_ip", "[::ffff:127.0.0.1]:443, loopback",
            "169.254.169.254:443, metadata", "localhost:443, loopback"})
    void ssrfFormsAreRefusedForTunnels(String authority, String reason) throws Exception {
        String head = raw("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\nProxy-Authorization: "
                + basic("wild", wildKey()) + "\r\n\r\n");
        assertThat(head).startsWith("HTTP/1.1 403").contains("X-Waygate-Reason: " + reason);
    }

    private static String wildKeyValue;

    static synchronized String wildKey() {
        if (wildKeyValue == null) {
            wildKeyValue = keyFor("wild");
        }
        return wildKeyValue;
    }

    // ---- smuggling ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "CL and TE | Content-Length: 4\\r\\nTransfer-Encoding: chunked",
            "TE and CL | Transfer-Encoding: chunked\\r\\nContent-Length: 4",
            "two CLs | Content-Length: 4\\r\\nContent-Length: 40",
            "TE obfuscated | Transfer-Encoding: xchunked",
            "TE not last | 'Transfer-Encoding: chunked, identity'",
            "TE space before colon | Transfer-Encoding : chunked\\r\\nContent-Length: 4",
            "CL with sign | Content-Length: +4",
    })
    void smugglingAttemptsAreRefusedAndNothingReachesTheServer(String name, String framing) throws Exception {
        String marker = "/smuggled-" + name.replace(' ', '-');
        String req = "POST http://localhost:" + backends.httpPort() + "/front HTTP/1.1\r\nHost: localhost:" + backends.httpPort() + "\r\n"
                + "Proxy-Authorization: " + basic("tester", key) + "\r\n" + framing.replace("\\r\\n", "\r\n") + "\r\n\r\n"
                + "0\r\n\r\nGET http://localhost:" + backends.httpPort() + marker + " HTTP/1.1\r\nHost: localhost:" + backends.httpPort() + "\r\n"
                + "Proxy-Authorization: " + basic("tester", key) + "\r\n\r\n";
        String head = raw(req);
        assertThat(head).startsWith("HTTP/1.1 4");
        assertThat(head).doesNotContain("HTTP/1.1 200");
        assertThat(backends.seen).noneMatch(l -> l.contains(marker));
    }

    @Test
    void aHostHeaderThatDisagreesWithTheTargetIsRefused() throws Exception {
        String head = raw("GET http://localhost:" + backends.httpPort() + "/mismatch HTTP/1.1\r\nHost: evil.example\r\n"
                + "Proxy-Authorization: " + basic("tester", key) + "\r\n\r\n");
        assertThat(head).startsWith("HTTP/1.1 400");
        assertThat(backends.seen).noneMatch(l -> l.contains("/mismatch"));
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        String head = raw("GET http://localhost:" + backends.httpPort() + "/ HTTP/1.1\r\nHost: localhost:" + backends.httpPort() + "\r\nX-Big: "
                + "a".repeat(8000) + "\r\n\r\n");
        assertThat(head).startsWith("HTTP/1.1 431");
    }

    // ---- tunnels --------------------------------------------------------------------------------

    @Test
    void tunnelBytesAreCountedExactlyEachWay() throws Exception {
        String k = keyFor("counter");
        // The rules give 'counter' nothing: use the tester's key but count on a fresh principal via a reload? No:
        // count the delta on the 'local' rule around one tunnel of known size.
        JsonNode before = stats().at("/rules/local");
        byte[] payload = new byte[12_345];
        new java.util.Random(7).nextBytes(payload);
        try (Socket s = new Socket("127.0.0.1", proxy)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("CONNECT localhost:" + backends.echoPort() + " HTTP/1.1\r\nHost: localhost:" + backends.echoPort() + "\r\nProxy-Authorization: "
                    + basic("tester", key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200");
            out.write(payload);
            out.flush();
            byte[] back = in.readNBytes(payload.length);
            assertThat(back).isEqualTo(payload);
        }
        assertThat(k).isNotEmpty();
        JsonNode after = awaitStats(n -> n.at("/rules/local/bytes_out").asLong() - before.path("bytes_out").asLong() >= payload.length
                && n.at("/rules/local/active_tunnels").asInt() == 0).at("/rules/local");
        assertThat(after.path("bytes_out").asLong() - before.path("bytes_out").asLong()).isEqualTo(payload.length);
        assertThat(after.path("bytes_in").asLong() - before.path("bytes_in").asLong()).isEqualTo(payload.length);
        // The audit entry of that tunnel: principal, target, rule, resolved address, bytes each way.
        String want = "\"bytes_in\":" + payload.length + ",\"bytes_out\":" + payload.length;
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String entry = "";
        while (entry.isEmpty() && System.nanoTime() < end) {
            var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.base() + "/audit?principal=tester&format=jsonl&limit=500"))
                    .header("Authorization", "Bearer " + adminKey()).build(), HttpResponse.BodyHandlers.ofString());
            entry = r.body().lines().filter(l -> l.contains("egress.connect") && l.contains("localhost:" + backends.echoPort())
                    && l.replace(" ", "").contains(want.replace(" ", ""))).findFirst().orElse("");
            if (entry.isEmpty()) {
                Thread.sleep(100);
            }
        }
        assertThat(entry).as("audit entry with " + want).contains("\"rule\":\"local\"").contains("\"resolved\":\"127.0.0.1\"");
    }

    @Test
    void tunnelsPerPrincipalAreCapped() throws Exception {
        String k = keyFor("limited");
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket("127.0.0.1", proxy);
                open.add(s);
                s.getOutputStream().write(("CONNECT localhost:" + backends.echoPort() + " HTTP/1.1\r\nHost: localhost:" + backends.echoPort() + "\r\n"
                        + "Proxy-Authorization: " + basic("tester", key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
            }
            String fourth = raw("CONNECT localhost:" + backends.echoPort() + " HTTP/1.1\r\nHost: localhost:" + backends.echoPort() + "\r\nProxy-Authorization: "
                    + basic("tester", key) + "\r\n\r\n");
            assertThat(fourth).startsWith("HTTP/1.1 429").contains("X-Waygate-Reason: tunnel_limit");
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        assertThat(k).isNotEmpty();
    }

    // ---- rate limits -------------------------------------------------------------------------

    @Test
    void rateLimitAdmitsExactlyTheBurstUnderConcurrency() throws Exception {
        String k = keyFor("limited");
        int n = 24;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                Callable<String> c = () -> {
                    go.await();
                    return raw("GET http://localhost:" + backends.httpPort() + "/rl HTTP/1.1\r\nHost: localhost:" + backends.httpPort() + "\r\n"
                            + "Proxy-Authorization: " + basic("limited", k) + "\r\nConnection: close\r\n\r\n");
                };
                results.add(pool.submit(c));
            }
            go.countDown();
            int ok = 0, limited = 0;
            for (Future<String> f : results) {
                String head = f.get();
                if (head.startsWith("HTTP/1.1 200")) {
                    ok++;
                } else if (head.startsWith("HTTP/1.1 429")) {
                    limited++;
                    assertThat(head).contains("X-Waygate-Reason: rate_limited");
                }
            }
            assertThat(ok).isEqualTo(5);
            assertThat(limited).isEqualTo(n - 5);
        }
    }

    // ---- /proxy/request, stats, metrics, reload ------------------------------------------------

    static JsonNode rest(String method, String path, String k, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(gw.base() + path)).header("Authorization", "Bearer " + k);
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        var r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode j = r.body().startsWith("{") ? Json.parse(r.body()) : Json.object().put("text", r.body());
        return Json.object().put("status", r.statusCode()).set("body", j);
    }

    static JsonNode stats() throws Exception {
        String admin = adminKey();
        JsonNode r = rest("GET", "/proxy/stats", admin, null);
        assertThat(r.path("status").asInt()).isEqualTo(200);
        return r.path("body");
    }

    static JsonNode awaitStats(java.util.function.Predicate<JsonNode> ok) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode s = stats();
        while (!ok.test(s) && System.nanoTime() < end) {
            Thread.sleep(50);
            s = stats();
        }
        return s;
    }

    private static String adminKeyValue;

    static synchronized String adminKey() {
        if (adminKeyValue == null) {
            adminKeyValue = gw.createKey("ops", "admin");
        }
        return adminKeyValue;
    }

    @Test
    void proxyRequestFetchesUnderTheSameRules() throws Exception {
        String url = "http://localhost:" + backends.httpPort() + "/fetched";
        JsonNode ok = rest("POST", "/proxy/request", key, Json.object().put("method", "POST").put("url", url)
                .put("body", "hello").set("headers", Json.object().put("X-Mine", "1")).toString());
        assertThat(ok.path("status").asInt()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.at("/body/status").asInt()).isEqualTo(200);
        assertThat(ok.at("/body/body").asText()).startsWith("POST /fetched").contains("x-mine: 1").contains("body: hello");

        JsonNode denied = rest("POST", "/proxy/request", key, Json.object().put("url", "http://169.254.169.254/").toString());
        assertThat(denied.path("status").asInt()).isEqualTo(403);
        assertThat(denied.at("/body/error/code").asText()).isIn("no_rule", "metadata");
    }

    @Test
    void proxyRequestRechecksEveryRedirect() throws Exception {
        String url = "http://localhost:" + backends.httpPort() + "/redirect?to=http://169.254.169.254/latest/meta-data/";
        JsonNode r = rest("POST", "/proxy/request", key, Json.object().put("url", url).toString());
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(403);
        assertThat(r.at("/body/error/message").asText()).contains("redirect 1");
        String local = "http://localhost:" + backends.httpPort() + "/redirect?to=/landed";
        JsonNode followed = rest("POST", "/proxy/request", key, Json.object().put("url", local).toString());
        assertThat(followed.at("/body/redirects").asInt()).isEqualTo(1);
        assertThat(followed.at("/body/body").asText()).startsWith("GET /landed");
    }

    @Test
    void proxyRequestRefusesABodyCarryingASecret() throws Exception {
        String url = "http://localhost:" + backends.httpPort() + "/exfil";
        String body = "x".repeat(9000) + " AKIAIOSFODNN7EXAMPLE " + "y".repeat(100);
        JsonNode r = rest("POST", "/proxy/request", key, Json.object().put("method", "POST").put("url", url)
                .put("body", body).toString());
        assertThat(r.path("status").asInt()).isEqualTo(403);
        assertThat(r.at("/body/error/code").asText()).isEqualTo("secret_in_request");
        assertThat(backends.seen).noneMatch(l -> l.contains("/exfil"));
    }

    @Test
    void metricsAreServedInPrometheusFormat() throws Exception {
        curl("-U", "tester:" + key, "http://localhost:" + backends.httpPort() + "/m");
        JsonNode r = rest("GET", "/metrics", adminKey(), null);
        String text = r.at("/body/text").asText();
        assertThat(text).contains("waygate_proxy_requests_total{decision=\"allow\",rule=\"local\"}")
                .contains("waygate_proxy_request_duration_seconds_count").contains("waygate_proxy_active_connections")
                .contains("waygate_proxy_security_violations_total");
        assertThat(rest("GET", "/metrics", key, null).path("status").asInt()).isEqualTo(403);
    }

    @Test
    void reloadReplacesFileRulesAndABadFileKeepsThem() throws Exception {
        String k = keyFor("filed");
        String url = "http://localhost:" + backends.httpPort() + "/filed";
        assertThat(curl("-U", "filed:" + k, url).status()).isEqualTo(200);
        Path rules = dir.resolve("rules.json");
        String good = Files.readString(rules);
        try {
            Files.writeString(rules, "{\"rules\": [{\"name\": \"broken\", \"domains\": [\"localhost\"], \"port\": [1]}]}");
            JsonNode bad = rest("POST", "/proxy/reload-config", adminKey(), null);
            assertThat(bad.path("status").asInt()).isEqualTo(422);
            assertThat(bad.at("/body/error/message").asText()).contains("rules.json:1").contains("port").contains("unknown key");
            assertThat(curl("-U", "filed:" + k, url).status()).isEqualTo(200);

            Files.writeString(rules, "{\"rules\": []}");
            JsonNode applied = rest("POST", "/proxy/reload-config", adminKey(), null);
            assertThat(applied.path("status").asInt()).isEqualTo(200);
            // Only the rules file changed, not waygate.yaml: still a new version, applied.
            assertThat(applied.at("/body/applied").asBoolean()).isTrue();
            assertThat(applied.at("/body/version").asInt()).isGreaterThan(bad.at("/body/version").asInt());
            assertThat(curl("-U", "filed:" + k, url).status()).isEqualTo(403);
            JsonNode again = rest("POST", "/proxy/reload-config", adminKey(), null);
            assertThat(again.at("/body/applied").asBoolean()).isFalse();
            assertThat(again.at("/body/version").asInt()).isEqualTo(applied.at("/body/version").asInt());
        } finally {
            Files.writeString(rules, good);
            rest("POST", "/proxy/reload-config", adminKey(), null);
        }
        assertThat(curl("-U", "filed:" + k, url).status()).isEqualTo(200);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static String basic(String user, String k) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + k).getBytes(StandardCharsets.UTF_8));
    }

    /** Sends raw bytes to the proxy and returns everything it answers until it closes or goes quiet. */
    static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", proxy)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // the proxy kept the connection open or reset it: what it sent so far is the answer
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Runs a command and returns its output; the last line is curl's status code. */
    static final class Cli {
        record Result(int status, String body) {}

        static Result run(List<String> cmd) throws Exception {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            int nl = out.lastIndexOf('\n');
            String code = out.substring(nl + 1).trim();
            return new Result(code.matches("\\d+") ? Integer.parseInt(code) : -1, nl < 0 ? "" : out.substring(0, nl));
        }
    }
}
