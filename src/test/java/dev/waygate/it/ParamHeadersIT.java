package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code Mcp-Param-*} headers (MCP 2026-07-28, tool parameters marked {@code x-mcp-header}) through
 * the gateway, with a v2 SDK server behind it that validates them too: the v2 SDK client's headers
 * pass the gateway's check, the gateway mirrors the values to the upstream itself, requests whose
 * headers disagree with the body are refused 400 / -32020, a tool with an invalid annotation is left
 * out of the list, and a call refused by the policy from the headers alone is in the audit log.
 */
class ParamHeadersIT {
    static Process upstream;
    static GatewayFixture gw;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        int port = GatewayFixture.freePort();
        upstream = GatewayFixture.spawn("v2-http-params", Map.of("PORT", Integer.toString(port), "BAD_HEADER_TOOL", "1"), "node",
                EraBridgingIT.v2server(), "http");
        GatewayFixture.awaitListening(port, Duration.ofSeconds(30));
        gw = GatewayFixture.start("""
                servers:
                  v2h: { url: "http://127.0.0.1:%d/mcp", timeout: 30s }
                policy:
                  default: allow
                  rules:
                    - { name: no-echo, tools: [v2h__echo], effect: deny }
                """.formatted(port));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(60), "v2h__region-query");
        admin = gw.createKey("root", "admin");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        GatewayFixture.kill(upstream);
    }

    @Test
    void theSdkClientsHeadersPassAndTheGatewayMirrorsThemUpstream() throws Exception {
        JsonNode out = NodeClientV2.http(gw.mcpUrl(), gw.key(), """
                [{"op":"listTools"},
                 {"op":"callTool","name":"v2h__region-query","arguments":{"region":"eu-west","limit":7,"query":"q"}},
                 {"op":"callTool","name":"v2h__region-query","arguments":{"region":" Zürich "}}]""");
        assertThat(NodeClient.text(out, 1)).as(out.toString()).isEqualTo("region=eu-west limit=7 query=q");
        assertThat(NodeClient.text(out, 2)).as("base64 sentinel both ways").isEqualTo("region= Zürich  limit=- query=");
    }

    @Test
    void aToolWithAnInvalidAnnotationIsLeftOut() throws Exception {
        JsonNode r = McpHttp.reply(post(1, "tools/list", null, Json.object(), Map.of()));
        List<String> names = r.path("result").path("tools").findValuesAsText("name");
        assertThat(names).as(r.toString()).contains("v2h__region-query").doesNotContain("v2h__bad-header");
    }

    @Test
    void headersThatDisagreeWithTheBodyAreRefused() throws Exception {
        ObjectNode args = Json.object().put("region", "eu").put("limit", 10);
        Map<String, Map<String, String>> refused = Map.of(
                "missing", Map.of("Mcp-Param-Limit", "10"),
                "other value", Map.of("Mcp-Param-Region", "us", "Mcp-Param-Limit", "10"),
                "other number", Map.of("Mcp-Param-Region", "eu", "Mcp-Param-Limit", "11"),
                "bad base64", Map.of("Mcp-Param-Region", "=?base64?***?=", "Mcp-Param-Limit", "10"));
        for (var e : refused.entrySet()) {
            HttpResponse<String> r = post(2, "tools/call", "v2h__region-query", args, e.getValue());
            assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(400);
            assertThat(McpHttp.reply(r).path("error").path("code").asInt()).as(e.getKey()).isEqualTo(-32020);
            assertThat(McpHttp.reply(r).path("error").path("message").asText()).as(e.getKey()).contains("Mcp-Param-");
        }
        HttpResponse<String> extra = post(3, "tools/call", "v2h__region-query", Json.object().put("region", "eu"),
                Map.of("Mcp-Param-Region", "eu", "Mcp-Param-Limit", "5"));
        assertThat(extra.statusCode()).as("a header for a value the body does not have: " + extra.body()).isEqualTo(400);

        String b64 = "=?base64?" + Base64.getEncoder().encodeToString("eu".getBytes(StandardCharsets.UTF_8)) + "?=";
        HttpResponse<String> ok = post(4, "tools/call", "v2h__region-query", args, Map.of("mcp-param-region", b64, "Mcp-Param-Limit", "010"));
        assertThat(McpHttp.reply(ok).path("result").path("content").path(0).path("text").asText())
                .as("decoded, names case-insensitive, integers compared as numbers: " + ok.body()).isEqualTo("region=eu limit=10 query=");
    }

    @Test
    void aRefusalFromTheHeadersAloneIsAudited() throws Exception {
        HttpResponse<String> r = post(5, "tools/call", "v2h__echo", Json.object().put("message", "x"), Map.of());
        assertThat(McpHttp.reply(r).path("error").path("code").asInt()).as(r.body()).isEqualTo(-32034);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<JsonNode> entries = new ArrayList<>();
        while (entries.isEmpty() && System.nanoTime() < deadline) {
            ApprovalSupport.get(gw.base(), admin, "/audit?tool=v2h__echo&decision=deny").body().path("entries").forEach(entries::add);
            Thread.sleep(200);
        }
        assertThat(entries).as("the header refusal is in the audit log").isNotEmpty();
        assertThat(entries.getFirst().path("principal").asText()).isEqualTo("tester");
        assertThat(entries.getFirst().path("action").asText()).isEqualTo("tools/call");
        assertThat(entries.getFirst().path("reason").asText()).isNotEmpty();
    }

    static HttpResponse<String> post(int id, String method, String name, ObjectNode args, Map<String, String> extra) throws Exception {
        ObjectNode params = Json.object();
        if (name != null) {
            params.put("name", name);
            params.set("arguments", args);
        }
        Map<String, String> h = new HashMap<>(Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method));
        if (name != null) {
            h.put("Mcp-Name", name);
        }
        h.putAll(extra);
        return new McpHttp(gw.mcpUrl(), gw.key()).post(Json.write(ModernClientIT.modern(id, method, params)), h);
    }
}
