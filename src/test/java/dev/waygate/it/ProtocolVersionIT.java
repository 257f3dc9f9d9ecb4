package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Version negotiation: a version the gateway speaks is echoed, any other gets the gateway's latest;
 * on Streamable HTTP an unsupported MCP-Protocol-Version header is refused with 400.
 */
class ProtocolVersionIT {
    static final List<String> SUPPORTED = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
    static GatewayFixture gw;
    static McpHttp raw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  probe: { command: node, args: ["%s"] }
                """.formatted(GatewayFixture.probe()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "probe__echo");
        raw = new McpHttp(gw.mcpUrl(), gw.key());
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    @Test
    void eachSupportedVersionIsEchoed() throws Exception {
        for (String v : SUPPORTED) {
            HttpResponse<String> r = raw.initialize(v);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode result = McpHttp.reply(r).path("result");
            assertThat(result.path("protocolVersion").asText()).as("asked for %s", v).isEqualTo(v);
            assertThat(result.path("serverInfo").path("name").asText()).isEqualTo("waygate");
        }
    }

    @Test
    void anUnknownVersionGetsTheLatest() throws Exception {
        for (String v : List.of("2099-01-01", "1.0", "")) {
            JsonNode result = McpHttp.reply(raw.initialize(v)).path("result");
            assertThat(result.path("protocolVersion").asText()).as("asked for '%s'", v).isEqualTo("2025-11-25");
        }
    }

    @Test
    void anUnsupportedProtocolVersionHeaderIs400() throws Exception {
        String session = raw.session();
        String ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
        HttpResponse<String> bad = raw.post(ping, Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "1999-12-31"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(McpHttp.reply(bad).path("error").path("code").asInt()).isEqualTo(-32600);
        for (String v : SUPPORTED) {
            assertThat(raw.post(ping, Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", v)).statusCode())
                    .as("header %s", v).isEqualTo(200);
        }
        assertThat(raw.post(ping, Map.of("Mcp-Session-Id", session)).statusCode()).as("no header: 2025-03-26 assumed")
                .isEqualTo(200);
    }

    @Test
    void theOfficialClientNegotiatesOlderVersionsAndWorks() throws Exception {
        for (String v : List.of("2025-06-18", "2025-03-26")) {
            JsonNode out = NodeClient.run(List.of("--transport", "http", "--url", gw.mcpUrl(), "--header",
                    "Authorization: Bearer " + gw.key(), "--protocol-version", v), """
                    [{"op":"callTool","name":"probe__echo","arguments":{"message":"%s"}}]""".formatted(v));
            assertThat(out.path("protocolVersion").asText()).isEqualTo(v);
            assertThat(NodeClient.text(out, 0)).isEqualTo("probe: " + v);
        }
        JsonNode old = NodeClient.run(List.of("--transport", "sse", "--url", gw.sseUrl(), "--header",
                "Authorization: Bearer " + gw.key(), "--protocol-version", "2024-11-05"),
                "[{\"op\":\"callTool\",\"name\":\"probe__echo\",\"arguments\":{\"message\":\"old\"}}]");
        assertThat(old.path("protocolVersion").asText()).isEqualTo("2024-11-05");
        assertThat(NodeClient.text(old, 0)).isEqualTo("probe: old");
    }
}
