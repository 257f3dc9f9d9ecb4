package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Progress notifications reach the client under the client's own progress token, and a client's
 * cancellation ends its call at once, reaches the upstream, and leaves the session usable; over
 * both HTTP fronts.
 */
class ProgressAndCancellationIT {
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                  probe: { command: node, args: ["%s"] }
                """.formatted(GatewayFixture.everything(), GatewayFixture.probe()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30),
                "everything__trigger-long-running-operation", "probe__hang");
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    static List<JsonNode> fronts(String ops) throws Exception {
        return List.of(NodeClient.http(gw.mcpUrl(), gw.key(), ops), NodeClient.sse(gw.sseUrl(), gw.key(), ops));
    }

    @Test
    void progressReachesTheClientUnderItsOwnToken() throws Exception {
        for (JsonNode out : fronts("""
                [{"op":"callTool","name":"everything__trigger-long-running-operation","arguments":{"duration":1,"steps":4},"progress":true}]""")) {
            assertThat(NodeClient.text(out, 0)).startsWith("Long running operation completed");
            Progress.check(out, 0, 4);
        }
    }

    @Test
    void cancellingALongOperationEndsItAtOnceAndTheSessionGoesOn() throws Exception {
        for (JsonNode out : fronts("""
                [{"op":"callToolAndCancel","name":"everything__trigger-long-running-operation","arguments":{"duration":30,"steps":30},"afterMs":700},
                 {"op":"callTool","name":"everything__echo","arguments":{"message":"after cancel"}},
                 {"op":"callTool","name":"everything__trigger-long-running-operation","arguments":{"duration":0.4,"steps":2}}]""")) {
            JsonNode cancelled = out.path("results").get(0);
            assertThat(cancelled.path("cancelled").asBoolean()).as("%s", cancelled).isTrue();
            assertThat(cancelled.path("elapsedMs").asLong()).isLessThan(5_000);
            assertThat(NodeClient.text(out, 1)).isEqualTo("Echo: after cancel");
            assertThat(NodeClient.text(out, 2)).startsWith("Long running operation completed");
        }
    }

    @Test
    void theClientsCancellationReachesTheUpstream() throws Exception {
        for (JsonNode out : fronts("""
                [{"op":"callTool","name":"probe__cancellations"},
                 {"op":"callToolAndCancel","name":"probe__hang","afterMs":300},
                 {"op":"sleep","ms":300},
                 {"op":"callTool","name":"probe__cancellations"},
                 {"op":"callTool","name":"probe__echo","arguments":{"message":"still here"}}]""")) {
            JsonNode before = Json.parse(NodeClient.text(out, 0));
            assertThat(out.path("results").get(1).path("cancelled").asBoolean()).isTrue();
            assertThat(out.path("results").get(1).path("elapsedMs").asLong()).isLessThan(5_000);
            JsonNode after = Json.parse(NodeClient.text(out, 3));
            assertThat(after.size()).as("cancellations seen by the upstream: %s", after).isEqualTo(before.size() + 1);
            JsonNode last = after.get(after.size() - 1);
            assertThat(last.path("requestId").isIntegralNumber()).as("the gateway's id for its request: %s", last).isTrue();
            assertThat(last.path("reason").asText()).contains("cancelled by the client");
            assertThat(NodeClient.text(out, 4)).isEqualTo("probe: still here");
        }
    }
}
