package dev.waygate.egress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.it.GatewayFixture;
import dev.waygate.mcp.Json;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A loopback-only setup where agents send no proxy credentials: the source address names the
 * principal. The JDK HttpClient (which will not send Basic credentials for a CONNECT) reaches an
 * HTTPS server through a tunnel; rules reload while requests are in flight.
 */
class EgressSourcePrincipalIT {
    static Backends backends;
    static GatewayFixture gw;
    static Path dir;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("egress-src");
        backends = new Backends(dir);
        Files.writeString(dir.resolve("rules.json"), rules("v1"));
        gw = GatewayFixture.start("""
                egress:
                  listen: 127.0.0.1:0
                  source_principals: [ { from: 127.0.0.1, principal: local-agent, roles: [agent] } ]
                  rules_file: %s
                """.formatted(dir.resolve("rules.json")));
        int proxy = gw.gateway().egress().orElseThrow().port();
        client = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy)))
                .sslContext(backends.clientTls).connectTimeout(Duration.ofSeconds(10)).build();
    }

    static String rules(String name) {
        return """
                {"rules": [{"name": "%s", "domains": ["localhost"], "ports": [%d, %d], "roles": ["agent"],
                            "allow_cidrs": ["127.0.0.0/8"]}]}
                """.formatted(name, backends.httpPort(), backends.httpsPort());
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        backends.close();
    }

    static JsonNode stats() throws Exception {
        String admin = gw.createKey("ops-" + System.nanoTime(), "admin");
        var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.base() + "/proxy/stats"))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
        return Json.parse(r.body());
    }

    @Test
    void jdkHttpClientOverHttpsThroughATunnelIsCountedForTheSourcePrincipal() throws Exception {
        int size = 1_000_000;
        var r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + backends.httpsPort() + "/bytes/" + size)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).hasSize(size);
        JsonNode s = stats();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        // The JDK client keeps its tunnel open (byte counts are added when it closes: see EgressIT for exact counts).
        while (s.at("/principals/local-agent/allowed").asLong() < 1 && System.nanoTime() < end) {
            Thread.sleep(50);
            s = stats();
        }
        assertThat(s.at("/principals/local-agent/allowed").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(s.at("/principals/local-agent/denied").asLong()).isZero();
    }

    /**
     * The configuration watcher watches the rules file too: saving it alone (as editors do, a new
     * file renamed over the old one) reloads the rules, with no call to the endpoint.
     */
    @Test
    void savingTheRulesFileAloneReloadsIt() throws Exception {
        Path rules = dir.resolve("rules.json");
        String before = Files.readString(rules);
        try {
            Path saved = dir.resolve("rules.json.swp");
            Files.writeString(saved, rules("watched"));
            Files.move(saved, rules, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!ruleNames().equals(List.of("watched")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(ruleNames()).as("rules after saving rules.json").containsExactly("watched");
            var r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + backends.httpPort() + "/watched")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        } finally {
            Files.writeString(rules, before);
        }
    }

    static List<String> ruleNames() {
        return gw.gateway().egress().orElseThrow().rules().rules().stream().map(EgressRule::name).toList();
    }

    @Test
    void rulesReloadUnderLoadWithoutFailingARequest() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        ConcurrentHashMap<String, AtomicInteger> other = new ConcurrentHashMap<>();
        String admin = gw.createKey("reloader", "admin");
        List<Future<?>> load = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 4; i++) {
                load.add(pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            var r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + backends.httpPort() + "/load")).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                other.computeIfAbsent(r.statusCode() + " " + r.headers().firstValue(Refusal.HEADER).orElse(""),
                                        k -> new AtomicInteger()).incrementAndGet();
                            }
                        } catch (Exception e) {
                            other.computeIfAbsent(e.toString(), k -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            HttpClient rest = HttpClient.newHttpClient();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                // Every third version is broken: the previous rules must stay in force.
                Files.writeString(dir.resolve("rules.json"), i % 3 == 2 ? "{\"rules\": [{\"name\": 1}]}" : rules("v" + (i + 2)));
                var r = rest.send(HttpRequest.newBuilder(URI.create(gw.base() + "/proxy/reload-config"))
                        .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                statuses.add(r.statusCode());
                Thread.sleep(100);
            }
            stop.set(true);
            for (Future<?> f : load) {
                f.get();
            }
            assertThat(statuses).containsOnly(200, 422).contains(422);
        }
        assertThat(other).as("every request during reloads is allowed").isEmpty();
        assertThat(ok.get()).isPositive();
        assertThat(gw.gateway().egress().orElseThrow().rules().rules()).extracting(EgressRule::name).containsExactly("v12");
    }
}
