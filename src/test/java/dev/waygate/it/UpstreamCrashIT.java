package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.waygate.mcp.Json;
import dev.waygate.upstream.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stdio upstream killed while several clients call tools: every call ends (a result or an error
 * naming the server) within a bound, calls to the other server all succeed, and once the gateway
 * has restarted the upstream (backoff from 250 ms) its tools work again.
 */
class UpstreamCrashIT {
    /** An extra argument server-everything ignores: it makes this test's upstream findable among the JVM's children. */
    static final String MARKER = "waygate-it-crash-" + ProcessHandle.current().pid();
    static final int CLIENTS = 4;
    static final int ROUNDS = 25;
    /** No call may take longer than this, crash or not (the per-server timeout is the default 60 s). */
    static final long BOUND_MS = 10_000;
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio, "%s"] }
                  memory: { command: node, args: ["%s"], env: { MEMORY_FILE_PATH: "%s" } }
                """.formatted(GatewayFixture.everything(), MARKER, GatewayFixture.memory(),
                System.getProperty("java.io.tmpdir") + "/waygate-it-crash-memory-" + ProcessHandle.current().pid() + ".jsonl"));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "everything__echo", "memory__read_graph");
    }

    /** Closing the gateway ends the restarted upstream too: nothing is left running. */
    @AfterAll
    static void stop() throws Exception {
        gw.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (marked().findAny().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(marked().map(p -> p.pid() + " " + p.info().commandLine().orElse(""))).as("left running").isEmpty();
    }

    static java.util.stream.Stream<ProcessHandle> marked() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains(MARKER));
    }

    /** The server's own process: in its sandbox, bubblewrap's processes carry the marker on their command lines too. */
    static ProcessHandle upstreamProcess() {
        List<ProcessHandle> found = marked().filter(p -> p.info().command().orElse("").endsWith("/node")).toList();
        assertThat(found).as("the everything upstream's process").hasSize(1);
        return found.getFirst();
    }

    static String ops() {
        ArrayNode ops = Json.MAPPER.createArrayNode();
        for (int i = 0; i < ROUNDS; i++) {
            ops.addObject().put("op", "callTool").put("name", "everything__trigger-long-running-operation").put("timeoutMs", 30_000)
                    .putObject("arguments").put("duration", 0.2).put("steps", 2);
            ops.addObject().put("op", "callTool").put("name", "memory__read_graph").put("timeoutMs", 30_000).putObject("arguments");
            ops.addObject().put("op", "callTool").put("name", "everything__echo").put("timeoutMs", 30_000)
                    .putObject("arguments").put("message", "round " + i);
            ops.addObject().put("op", "sleep").put("ms", 150);
        }
        return Json.write(ops);
    }

    @Test
    void killingAnUpstreamMidLoadFailsOnlyItsCallsPromptlyAndItComesBack() throws Exception {
        ProcessHandle victim = upstreamProcess();
        Upstream everything = gw.upstream("everything");
        int restartsBefore = everything.restarts();

        String ops = ops();
        List<CompletableFuture<JsonNode>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(NodeClient.async(i % 2 == 0 ? NodeClient.httpArgs(gw.mcpUrl(), gw.key())
                    : NodeClient.sseArgs(gw.sseUrl(), gw.key()), ops));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (gw.gateway().router().sessionCount() < CLIENTS && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(800);
        assertThat(victim.destroyForcibly()).isTrue();

        JsonNode sent = Json.parse(ops);
        int everythingFailures = 0;
        boolean recoveredWithinRun = false;
        for (CompletableFuture<JsonNode> c : clients) {
            JsonNode out = c.get(120, TimeUnit.SECONDS);
            assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
            JsonNode results = out.path("results");
            assertThat(results.size()).isEqualTo(sent.size());
            boolean failed = false;
            for (int i = 0; i < results.size(); i++) {
                JsonNode r = results.get(i);
                String tool = sent.get(i).path("name").asText();
                if (tool.isEmpty()) {
                    continue;
                }
                assertThat(r.path("elapsedMs").asLong()).as("no call hangs: %s", r).isLessThan(BOUND_MS);
                if (r.path("ok").asBoolean()) {
                    assertThat(r.path("result").path("isError").asBoolean(false)).as("%s", r).isFalse();
                    recoveredWithinRun |= failed && tool.startsWith("everything__");
                    continue;
                }
                assertThat(tool).as("only calls to the killed server fail: %s", r).startsWith("everything__");
                failed = true;
                JsonNode error = r.path("error");
                assertThat(error.path("code").asInt()).as("a failed call: %s", r).isIn(-32033, -32032);
                assertThat(error.path("data").path("server").asText()).as("names the server: %s", r).isEqualTo("everything");
                everythingFailures++;
            }
        }
        System.out.printf("UpstreamCrashIT: %d of %d calls failed while 'everything' was down%n", everythingFailures,
                CLIENTS * ROUNDS * 3);
        assertThat(everythingFailures).as("calls to the killed upstream failed while it was down").isPositive();
        assertThat(recoveredWithinRun).as("some client's calls succeeded again after failing, within its run").isTrue();

        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((everything.state() != Upstream.State.READY || everything.restarts() <= restartsBefore)
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(everything.state()).isEqualTo(Upstream.State.READY);
        assertThat(everything.restarts()).isGreaterThan(restartsBefore);
        assertThat(upstreamProcess().pid()).isNotEqualTo(victim.pid());

        JsonNode after = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"everything__echo","arguments":{"message":"back"}},
                 {"op":"callTool","name":"everything__trigger-long-running-operation","arguments":{"duration":0.3,"steps":3},"progress":true},
                 {"op":"callTool","name":"memory__read_graph","arguments":{}}]""");
        assertThat(NodeClient.text(after, 0)).isEqualTo("Echo: back");
        Progress.check(after, 1, 3);
        assertThat(NodeClient.result(after, 2).path("isError").asBoolean(false)).isFalse();
    }
}
