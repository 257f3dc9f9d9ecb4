package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Reload under load: many concurrent calls while the policy flips between two versions whose
 * allow decision and rate-limit rule are linked. Version A allows {@code probe__echo} by rule rA
 * with a limit no test reaches; version B denies it by rule rB and has its own rule rA (never
 * reached for echo) limited to one call a minute. A call judged by one version must be allowed
 * under A or denied by rB; a call allowed by A's rA and then limited by B's rA would have seen
 * half of each. No call may fail otherwise.
 */
class ReloadUnderLoadIT {
    static final String A = """
            policy:
              rules:
                - name: rA
                  roles: [dev]
                  tools: [probe__echo]
                  effect: allow
                  rate_limit: { per_minute: 1000000, burst: 1000000 }
            """;
    static final String B = """
            policy:
              rules:
                - name: rB
                  tools: [probe__echo]
                  effect: deny
                - name: rA
                  roles: [dev]
                  tools: [probe__echo]
                  effect: allow
                  rate_limit: { per_minute: 1, burst: 1 }
            """;
    /** Audit entries need not wait for the disk here: the more calls per second, the more straddle a reload. */
    static final String SETTINGS = ReloadIT.SERVERS + "watch_config: false\naudit: { mode: async }\n";
    static final int CLIENTS = 8;
    static final Duration FLIP_FOR = Duration.ofSeconds(5);
    static final int MIN_FLIPS = 100;

    @Test
    void noCallSeesAHalfLoadedPolicy() throws Exception {
        try (GatewayFixture gw = GatewayFixture.start(SETTINGS + A)) {
            gw.awaitReady(Duration.ofSeconds(60));
            String admin = gw.createKey("root", "admin");
            AtomicBoolean flipping = new AtomicBoolean(true);
            AtomicInteger allowed = new AtomicInteger();
            AtomicInteger denied = new AtomicInteger();
            List<String> wrong = new CopyOnWriteArrayList<>();
            Map<String, Integer> outcomes = new ConcurrentHashMap<>();

            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                McpHttp mcp = new McpHttp(gw.mcpUrl(), gw.key());
                String session = mcp.session();
                clients.add(Thread.ofPlatform().start(() -> {
                    while (flipping.get() && wrong.size() < 20) {
                        try {
                            HttpResponse<String> r = mcp.post(Json.write(mcp.request("tools/call", Json.object()
                                    .put("name", "probe__echo").set("arguments", Json.object().put("message", "x")))),
                                    McpHttp.headers(session));
                            JsonNode reply = r.statusCode() == 200 ? McpHttp.reply(r) : Json.object();
                            JsonNode e = reply.path("error");
                            if (reply.has("result") && !reply.path("result").path("isError").asBoolean()) {
                                allowed.incrementAndGet();
                            } else if (e.path("code").asInt() == -32034 && e.path("data").path("rule").asText().equals("rB")
                                    && e.path("data").path("reason").asText().equals("policy_denied")) {
                                denied.incrementAndGet();
                            } else {
                                wrong.add("HTTP " + r.statusCode() + " " + r.body());
                            }
                            outcomes.merge(e.path("data").path("reason").asText("allowed"), 1, Integer::sum);
                        } catch (Exception ex) {
                            wrong.add(ex.toString());
                        }
                    }
                }));
            }

            // Flip as fast as reloads go (the holder's reload, which POST /proxy/reload-config calls,
            // every tenth time through HTTP): the window between two stages is microseconds wide,
            // and only a high flip rate makes a call likely to straddle a reload.
            Path file = gw.dir().resolve("waygate.yaml");
            long version = 1;
            long end = System.nanoTime() + FLIP_FOR.toNanos();
            for (int i = 0; System.nanoTime() < end || i < MIN_FLIPS; i++) {
                Path tmp = gw.dir().resolve("next.yaml");
                Files.writeString(tmp, ReloadIT.HEAD + SETTINGS + (i % 2 == 0 ? B : A));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                long v;
                if (i % 10 == 0) {
                    HttpResponse<String> r = ReloadIT.reload(gw, admin);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    v = Json.parse(r.body()).path("version").asLong();
                } else {
                    v = gw.gateway().policy().reload("test").inForce().version();
                }
                assertThat(v).isEqualTo(++version);
            }
            flipping.set(false);
            for (Thread t : clients) {
                t.join(Duration.ofSeconds(60));
            }

            long flips = version - 1;
            assertThat(wrong).as("calls that saw a mix of versions or failed; outcomes %s over %d flips", outcomes, flips).isEmpty();
            assertThat(allowed.get()).as("allowed under A").isPositive();
            assertThat(denied.get()).as("denied by B").isPositive();
            assertThat(gw.gateway().policy().get().version()).isEqualTo(version);
            System.out.printf("reload under load: %d flips, %d calls allowed under A, %d denied by B%n", flips, allowed.get(),
                    denied.get());
        }
    }
}
