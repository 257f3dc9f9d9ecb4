package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
                policy:
                  default: allow
                  rules:
                    - { name: no-env, tools: [everything__get-env], effect: deny }
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

    @Test
    void samplingAndElicitationOfALegacyUpstreamReachAModernClientAsInputRequests() throws Exception {
        JsonNode out = NodeClientV2.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"everything__trigger-sampling-request","arguments":{"prompt":"tell me a story","maxTokens":20}},
                 {"op":"callTool","name":"everything__trigger-elicitation-request","arguments":{}}]""");
        assertThat(NodeClient.text(out, 0)).as("the upstream got the client's sampling answer")
                .contains("sampled: Resource trigger-sampling-request context: tell me a story").contains("test-model");
        List<String> elicited = new ArrayList<>();
        NodeClient.result(out, 1).path("content").forEach(c -> elicited.add(c.path("text").asText()));
        assertThat(String.join("\n", elicited)).contains("- Name: test").contains("- Email: test@example.com");
        assertThat(out.path("serverRequests").findValuesAsText("method")).containsExactly("sampling/createMessage", "elicitation/create");
        assertThat(out.path("serverRequests").get(0).path("params").path("maxTokens").asInt()).isEqualTo(20);
        // Each call took two POSTs (the call, then its retry with the answers); no server-initiated request.
        assertThat(out.path("http").findValuesAsText("mcpName").stream().filter(n -> n.startsWith("everything__trigger")))
                .hasSize(4);
        assertThat(gw.gateway().router().heldContinuations()).isZero();
    }

    @Test
    void theRequestStateIsSealedAndRefusedWhenForgedReusedOrAnotherPrincipals() throws Exception {
        McpHttp http = new McpHttp(gw.mcpUrl(), gw.key());
        ObjectNode args = Json.object().put("prompt", "p").put("maxTokens", 5);
        JsonNode first = McpHttp.reply(post(http, 1, "tools/call", "everything__trigger-sampling-request", args, null, null));
        JsonNode r = first.path("result");
        assertThat(r.path("resultType").asText()).as(first.toString()).isEqualTo("input_required");
        String key = r.path("inputRequests").fieldNames().next();
        assertThat(r.path("inputRequests").path(key).path("method").asText()).isEqualTo("sampling/createMessage");
        String state = r.path("requestState").asText();
        assertThat(state).doesNotContain("everything");
        ObjectNode answer = Json.object();
        answer.putObject(key).put("role", "assistant").put("model", "m").putObject("content").put("type", "text").put("text", "ok-sampled");

        // Another principal presenting it: refused.
        McpHttp other = new McpHttp(gw.mcpUrl(), gw.createKey("mallory", "dev"));
        JsonNode stolen = McpHttp.reply(post(other, 2, "tools/call", "everything__trigger-sampling-request", args, state, answer));
        assertThat(stolen.path("error").path("code").asInt()).as(stolen.toString()).isEqualTo(-32036);
        // Tampered: refused.
        String tampered = state.substring(0, state.length() - 2) + (state.endsWith("AA") ? "BB" : "AA");
        JsonNode forged = McpHttp.reply(post(http, 3, "tools/call", "everything__trigger-sampling-request", args, tampered, answer));
        assertThat(forged.path("error").path("code").asInt()).as(forged.toString()).isEqualTo(-32036);
        // For another tool: refused.
        JsonNode elsewhere = McpHttp.reply(post(http, 4, "tools/call", "everything__echo", Json.object().put("message", "x"), state, answer));
        assertThat(elsewhere.path("error").path("code").asInt()).as(elsewhere.toString()).isEqualTo(-32036);
        // The owner: the call completes with the answer.
        JsonNode done = McpHttp.reply(post(http, 5, "tools/call", "everything__trigger-sampling-request", args, state, answer));
        assertThat(done.path("result").path("resultType").asText()).as(done.toString()).isEqualTo("complete");
        assertThat(done.path("result").toString()).contains("ok-sampled");
        // Used once: a replay is refused.
        JsonNode replay = McpHttp.reply(post(http, 6, "tools/call", "everything__trigger-sampling-request", args, state, answer));
        assertThat(replay.path("error").path("code").asInt()).as(replay.toString()).isIn(-32036, -32037);
    }

    @Test
    void headersMustMatchTheBody() throws Exception {
        McpHttp http = new McpHttp(gw.mcpUrl(), gw.key());
        String body = Json.write(modern(1, "tools/call", Json.object().put("name", "everything__echo")
                .set("arguments", Json.object().put("message", "x"))));
        var wrongName = http.post(body, Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "everything__get-sum"));
        assertThat(wrongName.statusCode()).isEqualTo(400);
        assertThat(McpHttp.reply(wrongName).path("error").path("code").asInt()).isEqualTo(-32020);
        var wrongMethod = http.post(body, Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/list", "Mcp-Name", "everything__echo"));
        assertThat(McpHttp.reply(wrongMethod).path("error").path("code").asInt()).isEqualTo(-32020);
        var noMethod = http.post(body, Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Name", "everything__echo"));
        assertThat(noMethod.statusCode()).isEqualTo(400);
        assertThat(McpHttp.reply(noMethod).path("error").path("code").asInt()).isEqualTo(-32020);
        var noVersionHeader = http.post(body, Map.of("Mcp-Method", "tools/call", "Mcp-Name", "everything__echo"));
        assertThat(McpHttp.reply(noVersionHeader).path("error").path("code").asInt()).isEqualTo(-32020);
        var base64 = http.post(body, Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call",
                "Mcp-Name", "=?base64?" + java.util.Base64.getEncoder().encodeToString("everything__echo".getBytes()) + "?="));
        assertThat(base64.statusCode()).as(base64.body()).isEqualTo(200);
        assertThat(McpHttp.reply(base64).path("result").path("content").path(0).path("text").asText()).contains("x");
        assertThat(base64.headers().firstValue("Mcp-Session-Id")).isEmpty();
    }

    @Test
    void versionsAndMetadataAreCheckedPerRequest() throws Exception {
        McpHttp http = new McpHttp(gw.mcpUrl(), gw.key());
        ObjectNode old = modern(1, "tools/list", Json.object());
        ((ObjectNode) old.get("params").get("_meta")).put("io.modelcontextprotocol/protocolVersion", "1900-01-01");
        var unsupported = http.post(Json.write(old), Map.of("MCP-Protocol-Version", "1900-01-01", "Mcp-Method", "tools/list"));
        assertThat(unsupported.statusCode()).isEqualTo(400);
        JsonNode e = McpHttp.reply(unsupported).path("error");
        assertThat(e.path("code").asInt()).isEqualTo(-32022);
        assertThat(e.path("data").path("supported").findValuesAsText("")).isEmpty();
        assertThat(e.path("data").path("supported").toString()).contains("2026-07-28", "2025-11-25");
        ObjectNode noCaps = modern(2, "tools/list", Json.object());
        ((ObjectNode) noCaps.get("params").get("_meta")).remove("io.modelcontextprotocol/clientCapabilities");
        var missing = http.post(Json.write(noCaps), Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/list"));
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(McpHttp.reply(missing).path("error").path("code").asInt()).isEqualTo(-32602);
        var unknown = http.post(Json.write(modern(3, "no/such", Json.object())), Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "no/such"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(McpHttp.reply(unknown).path("error").path("code").asInt()).isEqualTo(-32601);
        var discover = http.post(Json.write(modern(4, "server/discover", Json.object())),
                Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "server/discover"));
        JsonNode d = McpHttp.reply(discover).path("result");
        assertThat(d.path("supportedVersions").toString()).contains("2026-07-28", "2025-11-25", "2024-11-05");
        assertThat(d.path("_meta").path("io.modelcontextprotocol/serverInfo").path("name").asText()).isEqualTo("waygate");
        assertThat(d.path("cacheScope").asText()).isEqualTo("public");
        var get = http.send(HttpRequest.newBuilder(URI.create(gw.mcpUrl())).header("Authorization", "Bearer " + gw.key())
                .header("Accept", "text/event-stream").header("MCP-Protocol-Version", "2026-07-28").GET().build());
        assertThat(get.statusCode()).isEqualTo(405);
        // The 2025 era on the same endpoint still works.
        assertThat(http.initialize("2025-11-25").headers().firstValue("Mcp-Session-Id")).isPresent();
    }

    @Test
    void thePolicyRefusesFromTheHeadersAndTheBodyCannotDisagree() throws Exception {
        McpHttp http = new McpHttp(gw.mcpUrl(), gw.key());
        String denied = Json.write(modern(1, "tools/call", Json.object().put("name", "everything__get-env")));
        var r = http.post(denied, Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "everything__get-env"));
        assertThat(McpHttp.reply(r).path("error").path("code").asInt()).as(r.body()).isEqualTo(-32034);
        assertThat(McpHttp.reply(r).path("error").path("message").asText()).contains("no-env");
        // Allowed header, denied body: a header/body split is refused, the denied tool never runs.
        var split = http.post(denied, Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "everything__echo"));
        assertThat(split.statusCode()).isEqualTo(400);
        assertThat(McpHttp.reply(split).path("error").path("code").asInt()).isEqualTo(-32020);
    }

    static ObjectNode modern(int id, String method, ObjectNode params) {
        ObjectNode meta = params.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", "2026-07-28");
        meta.putObject("io.modelcontextprotocol/clientCapabilities").putObject("sampling");
        meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "raw").put("version", "1");
        ObjectNode m = Json.object().put("jsonrpc", "2.0").put("id", id).put("method", method);
        m.set("params", params);
        return m;
    }

    static HttpResponse<String> post(McpHttp http, int id, String method, String name, ObjectNode args, String state,
                                     ObjectNode answers) throws Exception {
        ObjectNode params = Json.object().put("name", name);
        params.set("arguments", args);
        if (state != null) {
            params.put("requestState", state);
        }
        if (answers != null) {
            params.set("inputResponses", answers);
        }
        Map<String, String> h = new HashMap<>(Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method, "Mcp-Name", name));
        return http.post(Json.write(modern(id, method, params)), h);
    }
}
