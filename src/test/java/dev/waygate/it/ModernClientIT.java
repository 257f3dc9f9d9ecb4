package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 2026-07-28 client (the v2 TypeScript SDK, pinned) through the gateway to a legacy upstream
 * (server-everything, 2025-era): discovery, lists with caching hints, calls, no session.
 */
class ModernClientIT {
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "everything__echo",
                "everything__trigger-sampling-request");
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    @Test
    void aModernClientListsAndCallsToolsOfALegacyUpstreamWithoutASession() throws Exception {
        JsonNode out = NodeClientV2.http(gw.mcpUrl(), gw.key(), """
                [{"op":"listTools"},
                 {"op":"callTool","name":"everything__echo","arguments":{"message":"hi modern"}},
                 {"op":"callTool","name":"everything__get-sum","arguments":{"a":2,"b":40}}]""");
        assertThat(out.path("connected").asBoolean()).as(out.toString()).isTrue();
        assertThat(out.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        assertThat(out.path("serverInfo").path("name").asText()).isEqualTo("waygate");
        JsonNode list = out.path("results").get(0);
        assertThat(list.path("ok").asBoolean()).as(list.toString()).isTrue();
        assertThat(list.path("ttlMs").asLong()).isPositive();
        assertThat(list.path("cacheScope").asText()).isEqualTo("private");
        assertThat(NodeClient.text(out, 1)).contains("hi modern");
        assertThat(NodeClient.text(out, 2)).contains("42");
        for (JsonNode h : out.path("http")) {
            assertThat(h.path("sessionId").isNull()).as("no session id is sent: %s", h).isTrue();
            assertThat(h.path("responseSessionId").isNull()).as("no session id is minted: %s", h).isTrue();
            assertThat(h.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        }
        assertThat(out.path("http").findValuesAsText("mcpMethod")).contains("server/discover", "tools/list", "tools/call");
    }
}
