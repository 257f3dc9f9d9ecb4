package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Remote ({@code url:}) upstreams: server-everything started by the test in Streamable HTTP mode and
 * in legacy SSE mode, the latter reached both as {@code type: sse} and by the gateway's fallback
 * when a plain {@code url:} refuses Streamable HTTP.
 */
class RemoteUpstreamsIT {
    static final List<Process> servers = new ArrayList<>();
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        int streamable = GatewayFixture.freePort();
        int sse = GatewayFixture.freePort();
        servers.add(everything("streamableHttp", streamable));
        servers.add(everything("sse", sse));
        GatewayFixture.awaitListening(streamable, Duration.ofSeconds(30));
        GatewayFixture.awaitListening(sse, Duration.ofSeconds(30));
        gw = GatewayFixture.start("""
                servers:
                  streamable: { url: "http://127.0.0.1:%d/mcp", timeout: 20s }
                  legacy: { url: "http://127.0.0.1:%d/sse", type: sse, timeout: 20s }
                  fallback: { url: "http://127.0.0.1:%d/sse", timeout: 20s }
                """.formatted(streamable, sse, sse));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "streamable__trigger-sampling-request",
                "legacy__trigger-sampling-request", "fallback__echo");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        servers.forEach(GatewayFixture::kill);
    }

    static Process everything(String mode, int port) throws Exception {
        return GatewayFixture.spawn("everything-" + mode, Map.of("PORT", Integer.toString(port)),
                "node", GatewayFixture.everything(), mode);
    }

    /** The fallback server's URL refuses Streamable HTTP: that it is ready shows the fallback to legacy SSE. */
    @Test
    void everyRemoteUpstreamFinishedItsHandshake() {
        Map<String, String> states = new java.util.TreeMap<>();
        gw.gateway().router().upstreams().forEach(u -> states.put(u.name(),
                u.state() + " " + u.initializeResult().path("serverInfo").path("name").asText() + " " + u.lastError()));
        assertThat(states).containsOnlyKeys("fallback", "legacy", "streamable")
                .allSatisfy((k, v) -> assertThat(v).startsWith("READY mcp-servers/everything"));
    }

    @Test
    void toolsResourcesAndPromptsOfRemoteUpstreamsWorkThroughTheGateway() throws Exception {
        String ops = """
                [{"op":"listTools"},
                 {"op":"callTool","name":"streamable__echo","arguments":{"message":"via streamable"}},
                 {"op":"callTool","name":"legacy__echo","arguments":{"message":"via legacy"}},
                 {"op":"callTool","name":"fallback__get-sum","arguments":{"a":20,"b":22}},
                 {"op":"getPrompt","name":"streamable__args-prompt","arguments":{"city":"Bern"}},
                 {"op":"readResource","uri":"demo://resource/dynamic/text/2"}]""";
        for (JsonNode out : List.of(NodeClient.http(gw.mcpUrl(), gw.key(), ops), NodeClient.sse(gw.sseUrl(), gw.key(), ops))) {
            List<String> names = new ArrayList<>();
            NodeClient.result(out, 0).path("tools").forEach(t -> names.add(t.path("name").asText()));
            assertThat(names).contains("streamable__echo", "legacy__echo", "fallback__echo");
            assertThat(NodeClient.text(out, 1)).isEqualTo("Echo: via streamable");
            assertThat(NodeClient.text(out, 2)).isEqualTo("Echo: via legacy");
            assertThat(NodeClient.text(out, 3)).contains("42");
            assertThat(NodeClient.result(out, 4).path("messages").path(0).path("content").path("text").asText())
                    .isEqualTo("What's weather in Bern?");
            // Three servers serve the same URI template: the gateway must not guess which one.
            assertThat(NodeClient.error(out, 5).path("code").asInt()).isEqualTo(-32002);
        }
    }

    @Test
    void progressAndSamplingFlowThroughRemoteUpstreams() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"streamable__trigger-long-running-operation","arguments":{"duration":0.6,"steps":3},"progress":true},
                 {"op":"callTool","name":"legacy__trigger-long-running-operation","arguments":{"duration":0.6,"steps":3},"progress":true},
                 {"op":"callTool","name":"streamable__trigger-sampling-request","arguments":{"prompt":"remote"}},
                 {"op":"callTool","name":"legacy__trigger-sampling-request","arguments":{"prompt":"legacy"}}]""");
        Progress.check(out, 0, 3);
        Progress.check(out, 1, 3);
        assertThat(NodeClient.text(out, 2)).contains("sampled: Resource trigger-sampling-request context: remote");
        assertThat(NodeClient.text(out, 3)).contains("sampled: Resource trigger-sampling-request context: legacy");
    }
}
