package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How a POSTed request is answered over Streamable HTTP: a plain JSON response when nothing comes
 * before the answer (one write), an event stream when something does (progress), and an event
 * stream whenever the client accepts only that. What a raw HTTP client sees on the wire.
 */
class ResponseModeIT {
    static GatewayFixture gw;
    static McpHttp http;
    static String session;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30),
                "everything__echo", "everything__trigger-long-running-operation");
        http = new McpHttp(gw.mcpUrl(), gw.key());
        session = http.session();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    private static HttpResponse<String> call(String tool, ObjectNode arguments, JsonNode meta, Map<String, String> extra) throws Exception {
        ObjectNode params = Json.object().put("name", tool);
        params.set("arguments", arguments);
        if (meta != null) {
            params.set("_meta", meta);
        }
        Map<String, String> headers = new HashMap<>(McpHttp.headers(session));
        headers.putAll(extra);
        return http.post(Json.write(http.request("tools/call", params)), headers);
    }

    @Test
    void anAnswerWithNothingBeforeItIsPlainJson() throws Exception {
        HttpResponse<String> r = call("everything__echo", Json.object().put("message", "hi"), null, Map.of());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode reply = Json.parse(r.body());
        assertThat(reply.path("result").path("content").get(0).path("text").asText()).isEqualTo("Echo: hi");
        assertThat(r.headers().firstValue("X-Waygate-Correlation-Id")).isPresent();
    }

    @Test
    void progressBeforeTheAnswerMakesItAnEventStreamWithTheAnswerLast() throws Exception {
        HttpResponse<String> r = call("everything__trigger-long-running-operation",
                Json.object().put("duration", 0.6).put("steps", 3), Json.object().put("progressToken", "p-1"), Map.of());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(r.body()).contains("notifications/progress").contains("\"progressToken\":\"p-1\"");
        assertThat(r.body().indexOf("notifications/progress")).isLessThan(r.body().indexOf("Long running operation completed"));
        assertThat(McpHttp.reply(r).path("result").path("content").get(0).path("text").asText())
                .startsWith("Long running operation completed");
    }

    @Test
    void aClientThatAcceptsOnlyEventStreamsGetsOne() throws Exception {
        HttpResponse<String> r = call("everything__echo", Json.object().put("message", "sse only"), null,
                Map.of("Accept", "text/event-stream"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(McpHttp.reply(r).path("result").path("content").get(0).path("text").asText()).isEqualTo("Echo: sse only");
    }
}
