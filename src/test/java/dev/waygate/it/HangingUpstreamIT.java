package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upstream whose tool never answers: with {@code timeout: 1s} the client gets -32031 naming the
 * server, the upstream is told to stop (notifications/cancelled), and calls to another server go
 * on undisturbed while the hung calls wait. The same for a remote Streamable HTTP upstream that
 * answers POSTs with JSON: one that never sends the response, and one that sends headers and then
 * stalls the body.
 */
class HangingUpstreamIT {
    static GatewayFixture gw;
    static Process remote;
    /** Accepts connections and never answers: a server that hangs before even its handshake. */
    static java.net.ServerSocket mute;
    static final java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        mute = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("mute-server").start(() -> {
            try {
                while (true) {
                    held.add(mute.accept());
                }
            } catch (java.io.IOException e) {
                // closed at the end
            }
        });
        int port = GatewayFixture.freePort();
        remote = GatewayFixture.spawn("probe-http", Map.of(), "node", GatewayFixture.probe(), "http", Integer.toString(port));
        GatewayFixture.awaitListening(port, Duration.ofSeconds(30));
        gw = GatewayFixture.start("""
                servers:
                  slow: { command: node, args: ["%s"], timeout: 1s }
                  remote: { url: "http://127.0.0.1:%d/mcp", timeout: 1s }
                  everything: { command: node, args: ["%s", stdio] }
                  mute-http: { url: "http://127.0.0.1:%d/mcp", timeout: 1s, required: false }
                  mute-sse: { url: "http://127.0.0.1:%d/sse", type: sse, timeout: 1s, required: false }
                """.formatted(GatewayFixture.probe(), port, GatewayFixture.everything(), mute.getLocalPort(), mute.getLocalPort()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "slow__hang", "remote__hang", "everything__echo");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        GatewayFixture.kill(remote);
        mute.close();
        for (java.net.Socket s : held) {
            s.close();
        }
    }

    /** Lines on an upstream's stdout that are not JSON (a stray log line, empty lines) are skipped; the answer after them arrives. */
    @Test
    void linesThatAreNotJsonAreSkipped() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"slow__noisy","arguments":{}},
                 {"op":"callTool","name":"slow__noisy","arguments":{}},
                 {"op":"callTool","name":"slow__echo","arguments":{"message":"after the noise"}}]""");
        assertThat(NodeClient.text(out, 0)).isEqualTo("probe: noisy");
        assertThat(NodeClient.text(out, 1)).isEqualTo("probe: noisy");
        assertThat(NodeClient.text(out, 2)).isEqualTo("probe: after the noise");
    }

    /** A handshake that never completes must time out too, or the gateway would never retry the server. */
    @Test
    void anUpstreamThatNeverAnswersItsHandshakeIsRetried() throws Exception {
        for (String name : java.util.List.of("mute-http", "mute-sse")) {
            var u = gw.upstream(name);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (u.restarts() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(u.restarts()).as("%s: %s, last error '%s'", name, u.state(), u.lastError()).isGreaterThanOrEqualTo(2);
            assertThat(u.state()).isNotEqualTo(dev.waygate.upstream.Upstream.State.READY);
        }
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"everything__echo","arguments":{"message":"unaffected"}}]""");
        assertThat(NodeClient.text(out, 0)).isEqualTo("Echo: unaffected");
    }

    static void assertTimedOut(JsonNode out, int op, String server) {
        JsonNode error = NodeClient.error(out, op);
        assertThat(error.path("code").asInt()).as("%s", error).isEqualTo(-32031);
        assertThat(error.path("data").path("server").asText()).isEqualTo(server);
        assertThat(error.path("message").asText()).contains(server);
        assertThat(out.path("results").get(op).path("elapsedMs").asLong()).as("%s", error).isBetween(900L, 5_000L);
    }

    @Test
    void aRemoteUpstreamThatNeverAnswersThePostTimesOut() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"remote__hang"},
                 {"op":"callTool","name":"remote__echo","arguments":{"message":"after"}}]""");
        assertTimedOut(out, 0, "remote");
        assertThat(NodeClient.text(out, 1)).isEqualTo("probe: after");
    }

    @Test
    void aRemoteUpstreamThatStallsTheResponseBodyTimesOut() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"remote__stall","timeoutMs":15000},
                 {"op":"callTool","name":"remote__echo","arguments":{"message":"after"}}]""");
        assertTimedOut(out, 0, "remote");
        assertThat(NodeClient.text(out, 1)).isEqualTo("probe: after");
    }

    @Test
    void aHungCallTimesOutWithAnErrorNamingTheServer() throws Exception {
        for (JsonNode out : java.util.List.of(
                NodeClient.http(gw.mcpUrl(), gw.key(), "[{\"op\":\"callTool\",\"name\":\"slow__hang\",\"arguments\":{}}]"),
                NodeClient.sse(gw.sseUrl(), gw.key(), "[{\"op\":\"callTool\",\"name\":\"slow__hang\",\"arguments\":{}}]"))) {
            assertTimedOut(out, 0, "slow");
        }
    }

    @Test
    void theTimedOutRequestIsCancelledAtTheUpstream() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"slow__cancellations"},
                 {"op":"callTool","name":"slow__hang","arguments":{}},
                 {"op":"callTool","name":"slow__cancellations"}]""");
        JsonNode before = Json.parse(NodeClient.text(out, 0));
        assertThat(NodeClient.error(out, 1).path("code").asInt()).isEqualTo(-32031);
        JsonNode after = Json.parse(NodeClient.text(out, 2));
        assertThat(after.size()).as("%s", after).isEqualTo(before.size() + 1);
        assertThat(after.get(after.size() - 1).path("reason").asText()).isEqualTo("timed out");
    }

    @Test
    void callsToAnotherServerKeepWorkingWhileCallsHang() throws Exception {
        CompletableFuture<JsonNode> hung = NodeClient.async(NodeClient.httpArgs(gw.mcpUrl(), gw.key()), """
                [{"op":"callTool","name":"slow__hang"},{"op":"callTool","name":"slow__hang"},
                 {"op":"callTool","name":"slow__hang"},{"op":"callTool","name":"slow__hang"}]""");
        StringBuilder ops = new StringBuilder("[{\"op\":\"sleep\",\"ms\":500}");
        for (int i = 0; i < 10; i++) {
            ops.append(",{\"op\":\"callTool\",\"name\":\"everything__echo\",\"arguments\":{\"message\":\"m").append(i).append("\"}}");
        }
        JsonNode other = NodeClient.sse(gw.sseUrl(), gw.key(), ops.append(']').toString());
        JsonNode hanging = hung.get(60, TimeUnit.SECONDS);
        for (int i = 1; i <= 10; i++) {
            assertThat(NodeClient.text(other, i)).isEqualTo("Echo: m" + (i - 1));
            assertThat(other.path("results").get(i).path("elapsedMs").asLong()).as("echo %d", i).isLessThan(800);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(NodeClient.error(hanging, i).path("code").asInt()).isEqualTo(-32031);
        }
        assertThat(other.path("totalMs").asLong()).as("the echoes did not wait for the hung calls")
                .isLessThan(hanging.path("totalMs").asLong());
    }
}
