package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The aggregated lists through the gateway: pagination across upstreams with a small page size
 * (checked against what the same servers list when asked directly), resources (static and
 * templated) and prompts, read and got through their namespaced routes.
 */
class CatalogIT {
    static final int PAGE_SIZE = 3;
    static final String MEMORY_FILE = System.getProperty("java.io.tmpdir") + "/waygate-it-catalog-memory-"
            + ProcessHandle.current().pid() + ".jsonl";
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                naming: { separator: "__", page_size: %d }
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                  memory: { command: node, args: ["%s"], env: { MEMORY_FILE_PATH: "%s" } }
                  probe: { command: node, args: ["%s"] }
                """.formatted(PAGE_SIZE, GatewayFixture.everything(), GatewayFixture.memory(), MEMORY_FILE,
                GatewayFixture.probe()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30), "everything__trigger-sampling-request",
                "memory__read_graph", "probe__echo");
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    /** What the servers themselves list, asked directly by the same client, namespaced as the gateway should. */
    static List<String> directToolNames() throws Exception {
        List<String> expected = new ArrayList<>();
        String ops = "[{\"op\":\"listTools\"}]";
        NodeClient.result(NodeClient.stdio(List.of("node", GatewayFixture.everything(), "stdio"), Map.of(), ops), 0)
                .path("tools").forEach(t -> expected.add("everything__" + t.path("name").asText()));
        NodeClient.result(NodeClient.stdio(List.of("node", GatewayFixture.memory()), Map.of("MEMORY_FILE_PATH", MEMORY_FILE), ops), 0)
                .path("tools").forEach(t -> expected.add("memory__" + t.path("name").asText()));
        NodeClient.result(NodeClient.stdio(List.of("node", GatewayFixture.probe()), Map.of(), ops), 0)
                .path("tools").forEach(t -> expected.add("probe__" + t.path("name").asText()));
        expected.sort(null);
        return expected;
    }

    static List<String> names(JsonNode items, String field) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.path(field).asText()));
        return out;
    }

    @Test
    void toolsArePagedAcrossUpstreamsAndEachIsListedExactlyOnce() throws Exception {
        List<String> expected = directToolNames();
        for (JsonNode out : List.of(NodeClient.http(gw.mcpUrl(), gw.key(), "[{\"op\":\"listTools\"}]"),
                NodeClient.sse(gw.sseUrl(), gw.key(), "[{\"op\":\"listTools\"}]"))) {
            JsonNode r = NodeClient.result(out, 0);
            List<String> listed = names(r.path("tools"), "name");
            assertThat(listed).as("every tool of every upstream, once, in order").containsExactlyElementsOf(expected);
            assertThat(r.path("pages").asInt()).isGreaterThan(1)
                    .isEqualTo((expected.size() + PAGE_SIZE - 1) / PAGE_SIZE);
            assertThat(r.path("cursors").size()).isEqualTo(r.path("pages").asInt() - 1);
        }
    }

    @Test
    void eachPageHoldsAtMostThePageSizeAndTheLastHasNoCursor() throws Exception {
        JsonNode first = NodeClient.http(gw.mcpUrl(), gw.key(), "[{\"op\":\"listToolsPage\"}]");
        JsonNode page = NodeClient.result(first, 0);
        assertThat(page.path("tools").size()).isEqualTo(PAGE_SIZE);
        String cursor = page.path("nextCursor").asText();
        assertThat(cursor).isNotEmpty();
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"listToolsPage","cursor":"%s"},
                 {"op":"listToolsPage","cursor":"not-a-cursor"}]""".formatted(cursor));
        JsonNode second = NodeClient.result(out, 0);
        assertThat(second.path("tools").size()).isBetween(1, PAGE_SIZE);
        assertThat(names(second.path("tools"), "name")).doesNotContainAnyElementsOf(names(page.path("tools"), "name"));
        assertThat(NodeClient.error(out, 1).path("code").asInt()).isEqualTo(-32602);
    }

    @Test
    void resourcesTemplatesAndPromptsArePagedToo() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"listResources"},{"op":"listResourceTemplates"},{"op":"listPrompts"}]""");
        JsonNode resources = NodeClient.result(out, 0);
        List<String> uris = names(resources.path("resources"), "uri");
        assertThat(uris).doesNotHaveDuplicates().isSorted()
                .contains("demo://resource/static/document/architecture.md", "demo://resource/static/document/features.md");
        assertThat(uris.stream().filter(u -> u.startsWith("demo://resource/static/document/"))).hasSize(staticDocs().size());
        assertThat(resources.path("pages").asInt()).isEqualTo((uris.size() + PAGE_SIZE - 1) / PAGE_SIZE).isGreaterThan(1);
        assertThat(names(NodeClient.result(out, 1).path("resourceTemplates"), "uriTemplate"))
                .contains("demo://resource/dynamic/text/{resourceId}");
        JsonNode prompts = NodeClient.result(out, 2);
        assertThat(names(prompts.path("prompts"), "name")).doesNotHaveDuplicates()
                .contains("everything__simple-prompt", "everything__args-prompt");
        assertThat(prompts.path("pages").asInt()).isGreaterThan(1);
    }

    static List<String> staticDocs() throws Exception {
        Path docs = Path.of(GatewayFixture.everything()).getParent().resolve("docs");
        try (var s = Files.list(docs)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void staticAndTemplatedResourcesAreReadThroughTheGateway() throws Exception {
        String expected = Files.readString(Path.of(GatewayFixture.everything()).getParent().resolve("docs/architecture.md"));
        String ops = """
                [{"op":"readResource","uri":"demo://resource/static/document/architecture.md"},
                 {"op":"readResource","uri":"demo://resource/dynamic/text/7"},
                 {"op":"readResource","uri":"demo://nowhere/at/all"}]""";
        for (JsonNode out : List.of(NodeClient.http(gw.mcpUrl(), gw.key(), ops), NodeClient.sse(gw.sseUrl(), gw.key(), ops))) {
            JsonNode doc = NodeClient.result(out, 0).path("contents").path(0);
            assertThat(doc.path("uri").asText()).isEqualTo("demo://resource/static/document/architecture.md");
            assertThat(doc.path("text").asText()).isEqualTo(expected);
            JsonNode dynamic = NodeClient.result(out, 1).path("contents").path(0);
            assertThat(dynamic.path("uri").asText()).isEqualTo("demo://resource/dynamic/text/7");
            assertThat(dynamic.path("text").asText()).startsWith("Resource 7: This is a plaintext resource");
            assertThat(NodeClient.error(out, 2).path("code").asInt()).isEqualTo(-32002);
        }
    }

    @Test
    void promptsAreGotWithTheirArguments() throws Exception {
        String ops = """
                [{"op":"getPrompt","name":"everything__simple-prompt"},
                 {"op":"getPrompt","name":"everything__args-prompt","arguments":{"city":"Lyon","state":"Rhône"}},
                 {"op":"getPrompt","name":"everything__args-prompt","arguments":{"city":"Oslo"}},
                 {"op":"getPrompt","name":"nobody__simple-prompt"}]""";
        for (JsonNode out : List.of(NodeClient.http(gw.mcpUrl(), gw.key(), ops), NodeClient.sse(gw.sseUrl(), gw.key(), ops))) {
            assertThat(NodeClient.result(out, 0).path("messages").path(0).path("content").path("text").asText())
                    .isEqualTo("This is a simple prompt without arguments.");
            assertThat(NodeClient.result(out, 1).path("messages").path(0).path("content").path("text").asText())
                    .isEqualTo("What's weather in Lyon, Rhône?");
            assertThat(NodeClient.result(out, 2).path("messages").path(0).path("content").path("text").asText())
                    .isEqualTo("What's weather in Oslo?");
            assertThat(NodeClient.error(out, 3).path("code").asInt()).isEqualTo(-32602);
        }
    }
}
