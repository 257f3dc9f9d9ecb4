package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The four client/upstream era combinations with real SDKs: the v1 SDK client (2025-11-25) and the
 * v2 SDK client (2026-07-28) through the gateway to server-everything (a legacy upstream) and to a
 * v2 SDK server over stdio and Streamable HTTP (modern upstreams, found by the server/discover
 * probe): sampling and elicitation round trips, list_changed, cancellation.
 */
class EraBridgingIT {
    static Process httpServer;
    static GatewayFixture gw;

    static String v2server() {
        return GatewayFixture.NODE.resolve("server-v2/server.mjs").toString();
    }

    @BeforeAll
    static void start() throws Exception {
        int port = GatewayFixture.freePort();
        httpServer = GatewayFixture.spawn("v2-http", Map.of("PORT", Integer.toString(port)), "node", v2server(), "http");
        GatewayFixture.awaitListening(port, Duration.ofSeconds(30));
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                  v2s: { command: node, args: ["%s", stdio] }
                  v2h: { url: "http://127.0.0.1:%d/mcp", timeout: 30s }
                """.formatted(GatewayFixture.everything(), v2server(), port));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "everything__echo", "v2s__ask-llm", "v2h__ask-llm");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        GatewayFixture.kill(httpServer);
    }

    @Test
    void theGatewaySpeaksEachUpstreamsEra() {
        Map<String, String> eras = new TreeMap<>();
        gw.gateway().router().upstreams().forEach(u -> eras.put(u.name(), u.modern() + " "
                + u.initializeResult().path("protocolVersion").asText()));
        assertThat(eras).containsExactlyEntriesOf(new TreeMap<>(Map.of("everything", "false 2025-11-25",
                "v2h", "true 2026-07-28", "v2s", "true 2026-07-28")));
    }

    static final String INPUT_OPS = """
            [{"op":"callTool","name":"v2s__ask-llm","arguments":{"prompt":"hello stdio"}},
             {"op":"callTool","name":"v2h__ask-llm","arguments":{"prompt":"hello http"}},
             {"op":"callTool","name":"v2s__confirm","arguments":{}},
             {"op":"callTool","name":"v2h__confirm","arguments":{}},
             {"op":"callTool","name":"v2h__echo","arguments":{"message":"plain"}}]""";

    @Test
    void aLegacyClientAnswersAModernUpstreamsInputRequestsAsServerRequests() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), INPUT_OPS);
        assertThat(out.path("protocolVersion").asText()).isEqualTo("2025-11-25");
        checkInputs(out);
        assertThat(out.path("serverRequests").findValuesAsText("method")).containsExactly(
                "sampling/createMessage", "sampling/createMessage", "elicitation/create", "elicitation/create");
    }

    @Test
    void aModernClientAnswersAModernUpstreamsInputRequestsByRetrying() throws Exception {
        JsonNode out = NodeClientV2.http(gw.mcpUrl(), gw.key(), INPUT_OPS);
        assertThat(out.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        checkInputs(out);
        assertThat(out.path("serverRequests").findValuesAsText("method")).containsExactly(
                "sampling/createMessage", "sampling/createMessage", "elicitation/create", "elicitation/create");
        assertThat(gw.gateway().router().heldContinuations()).as("nothing is held for a modern upstream's input").isZero();
    }

    static void checkInputs(JsonNode out) {
        assertThat(NodeClient.text(out, 0)).isEqualTo("llm said: sampled: hello stdio (model test-model)");
        assertThat(NodeClient.text(out, 1)).isEqualTo("llm said: sampled: hello http (model test-model)");
        assertThat(NodeClient.text(out, 2)).isEqualTo("confirmed by test");
        assertThat(NodeClient.text(out, 3)).isEqualTo("confirmed by test");
        assertThat(NodeClient.text(out, 4)).isEqualTo("echo: plain");
    }

    @Test
    void aLegacyClientWithoutSamplingIsToldWhatIsMissing() throws Exception {
        // The v2 client in legacy mode without the sampling capability.
        JsonNode out = NodeClientV2.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"v2s__ask-llm","arguments":{"prompt":"x"}}]""", "--mode", "legacy", "--no-sampling");
        JsonNode e = NodeClient.error(out, 0);
        assertThat(e.path("code").asInt()).as(out.toString()).isEqualTo(-32021);
        assertThat(e.toString()).contains("sampling");
        assertThat(out.path("serverRequests").size()).as("nothing was asked of a client that cannot answer").isZero();
    }

    @Test
    void listChangedOfAModernUpstreamReachesClientsOfBothEras() throws Exception {
        JsonNode legacy = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"v2s__add-tool","arguments":{"name":"fresh1"}},
                 {"op":"awaitTools","names":["v2s__fresh1"],"timeoutMs":20000},
                 {"op":"sleep","ms":500},
                 {"op":"callTool","name":"v2s__fresh1","arguments":{}}]""");
        assertThat(NodeClient.text(legacy, 3)).isEqualTo("i am fresh1");
        assertThat(legacy.path("notifications").findValuesAsText("method")).contains("notifications/tools/list_changed");

        JsonNode modern = NodeClientV2.http(gw.mcpUrl(), gw.key(), """
                [{"op":"listen","filter":{"toolsListChanged":true}},
                 {"op":"callTool","name":"v2h__add-tool","arguments":{"name":"fresh2"}},
                 {"op":"waitNotification","method":"notifications/tools/list_changed","timeoutMs":20000},
                 {"op":"awaitTools","names":["v2h__fresh2"],"timeoutMs":20000}]""");
        assertThat(modern.path("results").get(0).path("result").path("acknowledged").path("toolsListChanged").asBoolean())
                .as(modern.toString()).isTrue();
        assertThat(modern.path("results").get(2).path("ok").asBoolean()).as(modern.toString()).isTrue();
        assertThat(modern.path("results").get(3).path("ok").asBoolean()).as(modern.toString()).isTrue();
    }

    @Test
    void cancellationReachesModernUpstreamsFromClientsOfBothEras() throws Exception {
        JsonNode legacy = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callToolAndCancel","name":"v2s__slow","arguments":{"ms":30000},"afterMs":1500},
                 {"op":"sleep","ms":1000},
                 {"op":"callTool","name":"v2s__cancellations","arguments":{}}]""");
        assertThat(legacy.path("results").get(0).path("cancelled").asBoolean()).isTrue();
        assertThat(NodeClient.text(legacy, 2)).isEqualTo("cancellations: 1");

        JsonNode modern = NodeClientV2.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callToolAndCancel","name":"v2h__slow","arguments":{"ms":60000},"afterMs":1500},
                 {"op":"sleep","ms":20000},
                 {"op":"callTool","name":"v2h__cancellations","arguments":{}}]""");
        assertThat(modern.path("results").get(0).path("cancelled").asBoolean()).as(modern.toString()).isTrue();
        assertThat(modern.path("results").get(0).path("elapsedMs").asLong()).isLessThan(20_000);
        assertThat(NodeClient.text(modern, 2)).as("the closed stream reached the upstream as a closed stream").isEqualTo("cancellations: 1");
    }
}
