package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import dev.waygate.seal.SealKey;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateway processes on loopback that share only their sealing key (and, standing in for the
 * shared key store of a scale-out deployment, the API key database copied before start): a modern
 * client alternating between them completes multi-round-trip calls, because the state is sealed
 * and travels with the client. A call whose upstream request waits inside one instance (a legacy
 * upstream's sampling request) can only be resumed there: the other instance says so.
 */
class TwoInstancesIT {
    static Process upstream;
    static GatewayProcess a;
    static GatewayProcess b;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        int port = GatewayFixture.freePort();
        upstream = GatewayFixture.spawn("v2-http-shared", Map.of("PORT", Integer.toString(port)), "node",
                EraBridgingIT.v2server(), "http");
        GatewayFixture.awaitListening(port, Duration.ofSeconds(30));
        String rest = """
                servers:
                  v2h: { url: "http://127.0.0.1:%d/mcp", timeout: 30s }
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(port, GatewayFixture.everything());
        GatewayFixture.Prepared pa = GatewayFixture.prepare(rest);
        GatewayFixture.Prepared pb = GatewayFixture.prepare(rest);
        key = pa.key();
        Files.copy(pa.config().dataDir().resolve("waygate.db"), pb.config().dataDir().resolve("waygate.db"),
                StandardCopyOption.REPLACE_EXISTING);
        a = GatewayProcess.start(pa, "two-instances-a");
        Files.copy(pa.config().dataDir().resolve(SealKey.FILE), pb.config().dataDir().resolve(SealKey.FILE));
        b = GatewayProcess.start(pb, "two-instances-b");
        for (GatewayProcess g : new GatewayProcess[] {a, b}) {
            NodeClientV2.http(g.mcpUrl(), key, """
                    [{"op":"awaitTools","names":["v2h__ask-llm","everything__trigger-sampling-request"],"timeoutMs":60000}]""");
        }
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.killIfAlive();
        }
        if (b != null) {
            b.killIfAlive();
        }
        GatewayFixture.kill(upstream);
    }

    @Test
    void aModernClientAlternatingBetweenInstancesCompletesInputRoundTrips() throws Exception {
        JsonNode out = NodeClientV2.http(a.mcpUrl(), key, """
                [{"op":"listTools"},
                 {"op":"callTool","name":"v2h__ask-llm","arguments":{"prompt":"across"}},
                 {"op":"callTool","name":"v2h__confirm","arguments":{}},
                 {"op":"callTool","name":"v2h__ask-llm","arguments":{"prompt":"and back"}}]""", "--alt-url", b.mcpUrl());
        assertThat(NodeClient.text(out, 1)).as(out.toString()).isEqualTo("llm said: sampled: across (model test-model)");
        assertThat(NodeClient.text(out, 2)).isEqualTo("confirmed by test");
        assertThat(NodeClient.text(out, 3)).isEqualTo("llm said: sampled: and back (model test-model)");
        assertThat(out.path("http").findValuesAsText("url")).as("both instances served it")
                .contains(a.mcpUrl(), b.mcpUrl());
    }

    @Test
    void aStateSealedByOneInstanceOpensAtTheOtherAndAHeldCallSaysWhereItWaits() throws Exception {
        McpHttp atA = new McpHttp(a.mcpUrl(), key);
        McpHttp atB = new McpHttp(b.mcpUrl(), key);
        // Modern upstream: started at A, finished at B.
        JsonNode first = McpHttp.reply(ModernClientIT.post(atA, 1, "tools/call", "v2h__ask-llm", Json.object().put("prompt", "raw"),
                null, null)).path("result");
        assertThat(first.path("resultType").asText()).as(first.toString()).isEqualTo("input_required");
        ObjectNode answer = Json.object();
        answer.putObject("llm").put("role", "assistant").put("model", "m").putObject("content").put("type", "text").put("text", "from-b");
        JsonNode done = McpHttp.reply(ModernClientIT.post(atB, 2, "tools/call", "v2h__ask-llm", Json.object().put("prompt", "raw"),
                first.path("requestState").asText(), answer));
        assertThat(done.path("result").path("content").path(0).path("text").asText()).as(done.toString())
                .isEqualTo("llm said: from-b (model m)");

        // Legacy upstream: its sampling request waits inside A; B opens the state but cannot resume the call.
        ObjectNode args = Json.object().put("prompt", "held").put("maxTokens", 5);
        JsonNode held = McpHttp.reply(ModernClientIT.post(atA, 3, "tools/call", "everything__trigger-sampling-request", args,
                null, null)).path("result");
        assertThat(held.path("resultType").asText()).as(held.toString()).isEqualTo("input_required");
        String k = held.path("inputRequests").fieldNames().next();
        ObjectNode sampled = Json.object();
        sampled.putObject(k).put("role", "assistant").put("model", "m").putObject("content").put("type", "text").put("text", "late");
        JsonNode elsewhere = McpHttp.reply(ModernClientIT.post(atB, 4, "tools/call", "everything__trigger-sampling-request", args,
                held.path("requestState").asText(), sampled));
        assertThat(elsewhere.path("error").path("code").asInt()).as(elsewhere.toString()).isEqualTo(-32037);
        assertThat(elsewhere.path("error").path("message").asText()).contains("another gateway instance");
        JsonNode atHome = McpHttp.reply(ModernClientIT.post(atA, 5, "tools/call", "everything__trigger-sampling-request", args,
                held.path("requestState").asText(), sampled));
        assertThat(atHome.path("result").toString()).as(atHome.toString()).contains("late");
    }
}
