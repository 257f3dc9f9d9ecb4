package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a well-behaved client never sends, sent with {@link java.net.http.HttpClient}: each gets the
 * HTTP status and JSON-RPC error the transport spec and the gateway's error mapping prescribe, and
 * none reaches the upstream.
 */
class MalformedRequestsIT {
    static final int MAX_BODY = 4096;
    static GatewayFixture gw;
    static McpHttp raw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                limits: { max_body_bytes: %d }
                servers:
                  probe: { command: node, args: ["%s"] }
                """.formatted(MAX_BODY, GatewayFixture.probe()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "probe__received");
        raw = new McpHttp(gw.mcpUrl(), gw.key());
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    static int rpcCode(HttpResponse<String> r) throws Exception {
        return McpHttp.reply(r).path("error").path("code").asInt();
    }

    @Test
    void invalidJsonIsAParseError() throws Exception {
        HttpResponse<String> r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", Map.of());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(body.path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(body.has("id") && body.get("id").isNull()).as("id is null: %s", body).isTrue();
    }

    /** Two parsers must never disagree on a message: duplicate keys are refused, not resolved. */
    @Test
    void duplicateKeysAndExcessiveNestingAreParseErrors() throws Exception {
        String session = raw.session();
        HttpResponse<String> dup = raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"method\":\"tools/list\"}",
                McpHttp.headers(session));
        assertThat(dup.statusCode()).isEqualTo(400);
        assertThat(rpcCode(dup)).isEqualTo(-32700);
        String deep = "[".repeat(1000) + "]".repeat(1000);
        HttpResponse<String> nested = raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":" + deep + "}}",
                McpHttp.headers(session));
        assertThat(nested.statusCode()).isEqualTo(400);
        assertThat(rpcCode(nested)).isEqualTo(-32700);
    }

    @Test
    void idsThatAreNeitherStringsNorIntegersAreInvalidRequests() throws Exception {
        String session = raw.session();
        for (String id : java.util.List.of("null", "1.5", "true", "{}", "[1]")) {
            HttpResponse<String> r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}", McpHttp.headers(session));
            assertThat(r.statusCode()).as("id %s", id).isEqualTo(400);
            assertThat(rpcCode(r)).as("id %s", id).isEqualTo(-32600);
        }
    }

    @Test
    void aBatchIsAnInvalidRequest() throws Exception {
        String session = raw.session();
        HttpResponse<String> r = raw.post("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", McpHttp.headers(session));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(rpcCode(r)).isEqualTo(-32600);
    }

    @Test
    void aMessageWithoutJsonrpcIsAnInvalidRequest() throws Exception {
        String session = raw.session();
        HttpResponse<String> r = raw.post("{\"id\":7,\"method\":\"ping\"}", McpHttp.headers(session));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(body.path("id").asInt()).as("the id is echoed: %s", body).isEqualTo(7);
    }

    @Test
    void aBodyOverTheLimitIs413WithOrWithoutContentLength() throws Exception {
        String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(MAX_BODY) + "\"}}";
        assertThat(raw.post(big, Map.of()).statusCode()).isEqualTo(413);
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(gw.mcpUrl()))
                .header("Authorization", "Bearer " + gw.key()).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build();
        assertThat(raw.send(chunked).statusCode()).as("chunked, no Content-Length").isEqualTo(413);
        String fits = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(MAX_BODY - 200) + "\"}}";
        assertThat(raw.post(fits, McpHttp.headers(raw.session())).statusCode()).isEqualTo(200);
    }

    @Test
    void anUnknownMethodIsMethodNotFound() throws Exception {
        String session = raw.session();
        HttpResponse<String> r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tools/teleport\"}", McpHttp.headers(session));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode reply = McpHttp.reply(r);
        assertThat(reply.path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(reply.path("id").asText()).isEqualTo("abc");
    }

    @Test
    void callingAnUnknownToolIsInvalidParams() throws Exception {
        String session = raw.session();
        JsonNode reply = raw.call(session, "tools/call", Json.object().put("name", "nobody__nothing"));
        assertThat(reply.path("error").path("code").asInt()).as("%s", reply).isEqualTo(-32602);
        assertThat(reply.path("error").path("message").asText()).contains("nobody__nothing");
    }

    @Test
    void aRequestWithoutSessionIdIs400() throws Exception {
        HttpResponse<String> r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", Map.of());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(rpcCode(r)).isEqualTo(-32600);
    }

    @Test
    void anUnknownOrEndedSessionIs404() throws Exception {
        HttpResponse<String> r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
                McpHttp.headers("no-such-session"));
        assertThat(r.statusCode()).isEqualTo(404);
        String session = raw.session();
        HttpRequest delete = HttpRequest.newBuilder(URI.create(gw.mcpUrl())).header("Authorization", "Bearer " + gw.key())
                .header("Mcp-Session-Id", session).DELETE().build();
        assertThat(raw.send(delete).statusCode()).isIn(200, 204);
        assertThat(raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", McpHttp.headers(session)).statusCode())
                .as("after DELETE").isEqualTo(404);
    }

    @Test
    void aWrongContentTypeIs415() throws Exception {
        String session = raw.session();
        HttpResponse<String> r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                Map.of("Mcp-Session-Id", session, "Content-Type", "text/plain"));
        assertThat(r.statusCode()).isEqualTo(415);
    }

    @Test
    void theLegacySseEndpointRefusesMalformedMessagesToo() throws Exception {
        try (McpHttp.LegacySse sse = raw.openSse(gw.sseUrl())) {
            HttpResponse<String> bad = raw.postTo(sse.messageUrl(), "{not json", Map.of());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(Json.parse(bad.body()).path("error").path("code").asInt()).isEqualTo(-32700);
            HttpResponse<String> batch = raw.postTo(sse.messageUrl(), "[]", Map.of());
            assertThat(batch.statusCode()).isEqualTo(400);
            assertThat(Json.parse(batch.body()).path("error").path("code").asInt()).isEqualTo(-32600);
            String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(MAX_BODY) + "\"}}";
            assertThat(raw.postTo(sse.messageUrl(), big, Map.of()).statusCode()).isEqualTo(413);
        }
    }

    /** Runs its own malformed requests, then asks the upstream what it received: only the handshake, lists, and this one call. */
    @Test
    void noMalformedRequestReachesTheUpstream() throws Exception {
        String session = raw.session();
        Map<String, String> h = McpHttp.headers(session);
        raw.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"probe__echo\"", h);
        raw.post("[{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"probe__echo\"}}]", h);
        raw.post("{\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"probe__echo\"}}", h);
        raw.post("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":[\"probe__echo\"]}", h);
        JsonNode badArgs = McpHttp.reply(raw.post(
                "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"probe__echo\",\"arguments\":[1]}}", h));
        assertThat(badArgs.path("error").path("code").asInt()).isEqualTo(-32602);
        raw.post("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"probe__echo\"}}",
                Map.of("Mcp-Session-Id", session, "Content-Type", "text/plain"));

        JsonNode received = raw.call(session, "tools/call", Json.object().put("name", "probe__received"));
        JsonNode methods = Json.parse(received.path("result").path("content").path(0).path("text").asText());
        int calls = 0;
        for (JsonNode m : methods) {
            // server/discover: the era probe the gateway sends before initialize (2026-07-28 detection).
            assertThat(m.asText()).isIn("server/discover", "initialize", "notifications/initialized", "tools/list", "tools/call",
                    "ping", "notifications/cancelled");
            calls += m.asText().equals("tools/call") ? 1 : 0;
        }
        assertThat(calls).as("only the call asking what was received: %s", methods).isEqualTo(1);
    }
}
