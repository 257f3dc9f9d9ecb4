package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three real upstreams behind one gateway, driven by the official TypeScript SDK client over each front transport. */
class AggregationIT {
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                  files: { command: node, args: ["%s", "%s"] }
                  memory: { command: node, args: ["%s"], env: { MEMORY_FILE_PATH: "%s" } }
                """.formatted(GatewayFixture.everything(), GatewayFixture.filesystem(),
                System.getProperty("java.io.tmpdir"), GatewayFixture.memory(),
                System.getProperty("java.io.tmpdir") + "/waygate-it-memory-" + ProcessHandle.current().pid() + ".jsonl"));
        gw.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    static final String OPS = """
            [{"op":"listTools"},
             {"op":"callTool","name":"everything__echo","arguments":{"message":"hi"}},
             {"op":"callTool","name":"files__list_allowed_directories","arguments":{}},
             {"op":"callTool","name":"memory__read_graph","arguments":{}}]""";

    @Test
    void streamableHttpSeesAndCallsToolsOfAllThreeUpstreams() throws Exception {
        check(NodeClient.http(gw.mcpUrl(), gw.key(), OPS));
    }

    @Test
    void legacySseSeesAndCallsToolsOfAllThreeUpstreams() throws Exception {
        check(NodeClient.sse(gw.sseUrl(), gw.key(), OPS));
    }

    private static void check(JsonNode out) {
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        assertThat(out.path("serverInfo").path("name").asText()).isEqualTo("waygate");
        List<String> names = new ArrayList<>();
        NodeClient.result(out, 0).path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).contains("everything__echo", "everything__get-sum", "files__read_text_file", "memory__create_entities");
        assertThat(names).allMatch(n -> n.startsWith("everything__") || n.startsWith("files__") || n.startsWith("memory__"));
        assertThat(names).isSorted();
        assertThat(NodeClient.result(out, 1).path("content").get(0).path("text").asText()).isEqualTo("Echo: hi");
        assertThat(NodeClient.result(out, 2).toString()).contains(System.getProperty("java.io.tmpdir").replaceAll("/$", ""));
        assertThat(NodeClient.result(out, 3).path("isError").asBoolean(false)).isFalse();
    }
}
