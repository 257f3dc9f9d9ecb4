package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code waygate stdio}: the official client launches the gateway as its stdio server (as a desktop
 * client does) and reaches the tools of three upstreams through it. The gateway runs from this
 * build's classes, so the test needs no packaged jar.
 */
class StdioFrontIT {
    /** An argument server-everything ignores: finds the upstreams this test's gateways start. */
    static final String MARKER = "waygate-it-stdio-" + ProcessHandle.current().pid();
    static GatewayFixture.Prepared prepared;

    @BeforeAll
    static void prepare() throws Exception {
        String tmp = System.getProperty("java.io.tmpdir");
        prepared = GatewayFixture.prepare("""
                servers:
                  everything: { command: node, args: ["%s", stdio, "%s"] }
                  files: { command: node, args: ["%s", "%s"] }
                  memory: { command: node, args: ["%s"], env: { MEMORY_FILE_PATH: "%s" } }
                """.formatted(GatewayFixture.everything(), MARKER, GatewayFixture.filesystem(), tmp, GatewayFixture.memory(),
                tmp + "/waygate-it-stdio-memory-" + ProcessHandle.current().pid() + ".jsonl"));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        GatewayFixture.deleteTree(prepared.dir());
    }

    static List<String> waygateStdio() {
        return Cli.command("stdio", "--config", prepared.file().toString());
    }

    @Test
    void officialClientListsAndCallsToolsOfThreeUpstreamsThroughStdio() throws Exception {
        JsonNode out = NodeClient.stdio(waygateStdio(), Map.of("WAYGATE_API_KEY", prepared.key()), """
                [{"op":"awaitTools","names":["everything__echo","files__list_allowed_directories","memory__read_graph"],"timeoutMs":60000},
                 {"op":"listTools"},
                 {"op":"callTool","name":"everything__echo","arguments":{"message":"over stdio"}},
                 {"op":"callTool","name":"files__list_allowed_directories","arguments":{}},
                 {"op":"callTool","name":"memory__read_graph","arguments":{}},
                 {"op":"callTool","name":"everything__get-sum","arguments":{"a":2,"b":3}}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        assertThat(out.path("serverInfo").path("name").asText()).isEqualTo("waygate");
        NodeClient.result(out, 0);
        List<String> names = new ArrayList<>();
        NodeClient.result(out, 1).path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).contains("everything__echo", "files__read_text_file", "memory__create_entities").isSorted();
        assertThat(names).allMatch(n -> n.startsWith("everything__") || n.startsWith("files__") || n.startsWith("memory__"));
        assertThat(NodeClient.text(out, 2)).isEqualTo("Echo: over stdio");
        assertThat(NodeClient.result(out, 3).toString()).contains(System.getProperty("java.io.tmpdir").replaceAll("/$", ""));
        assertThat(NodeClient.result(out, 4).path("isError").asBoolean(false)).isFalse();
        assertThat(NodeClient.text(out, 5)).contains("5");
    }

    @Test
    void aModernClientIsServedStatelesslyOverStdio() throws Exception {
        List<String> args = new ArrayList<>(List.of("--transport", "stdio"));
        List<String> cmd = waygateStdio();
        args.addAll(List.of("--command", cmd.getFirst()));
        cmd.subList(1, cmd.size()).forEach(a -> args.addAll(List.of("--arg", a)));
        args.addAll(List.of("--env", "WAYGATE_API_KEY=" + prepared.key()));
        JsonNode out = NodeClientV2.run(args, """
                [{"op":"awaitTools","names":["everything__echo","everything__trigger-sampling-request"],"timeoutMs":60000},
                 {"op":"callTool","name":"everything__echo","arguments":{"message":"modern stdio"}},
                 {"op":"callTool","name":"everything__trigger-sampling-request","arguments":{"prompt":"by mrtr","maxTokens":5}}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        assertThat(out.path("protocolVersion").asText()).as(out.toString()).isEqualTo("2026-07-28");
        assertThat(out.path("serverInfo").path("name").asText()).isEqualTo("waygate");
        assertThat(NodeClient.text(out, 1)).isEqualTo("Echo: modern stdio");
        assertThat(NodeClient.text(out, 2)).as("a legacy upstream's sampling reached the stdio client as an input request")
                .contains("sampled: Resource trigger-sampling-request context: by mrtr");
        // The sampling request reached the client once; anything else it was asked is something it declared
        // (the upstream may also ask for roots during the call, which this client offers).
        List<String> asked = out.path("serverRequests").findValuesAsText("method");
        assertThat(asked).filteredOn("sampling/createMessage"::equals).hasSize(1);
        assertThat(asked).isSubsetOf("sampling/createMessage", "roots/list");
    }

    @Test
    void progressSamplingAndCancellationWorkOverStdio() throws Exception {
        JsonNode out = NodeClient.stdio(waygateStdio(), Map.of("WAYGATE_API_KEY", prepared.key()), """
                [{"op":"awaitTools","names":["everything__trigger-sampling-request","everything__trigger-long-running-operation"],"timeoutMs":60000},
                 {"op":"callTool","name":"everything__trigger-long-running-operation","arguments":{"duration":0.6,"steps":3},"progress":true},
                 {"op":"callTool","name":"everything__trigger-sampling-request","arguments":{"prompt":"stdio"}},
                 {"op":"callToolAndCancel","name":"everything__trigger-long-running-operation","arguments":{"duration":30,"steps":30},"afterMs":500},
                 {"op":"callTool","name":"everything__echo","arguments":{"message":"after cancel"}}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        NodeClient.result(out, 0);
        Progress.check(out, 1, 3);
        assertThat(NodeClient.text(out, 2)).contains("sampled: Resource trigger-sampling-request context: stdio");
        assertThat(out.path("results").get(3).path("cancelled").asBoolean()).isTrue();
        assertThat(out.path("results").get(3).path("elapsedMs").asLong()).isLessThan(5_000);
        assertThat(NodeClient.text(out, 4)).isEqualTo("Echo: after cancel");
    }

    /** When the client goes away, the gateway ends and takes its upstream processes with it. */
    @Test
    void noUpstreamProcessOutlivesTheStdioGateway() throws Exception {
        JsonNode out = NodeClient.stdio(waygateStdio(), Map.of("WAYGATE_API_KEY", prepared.key()),
                "[{\"op\":\"awaitTools\",\"names\":[\"everything__echo\"],\"timeoutMs\":60000}]");
        NodeClient.result(out, 0);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        List<String> alive = marked();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            alive = marked();
        }
        assertThat(alive).as("upstream processes left behind").isEmpty();
    }

    static List<String> marked() {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(c -> c.contains(MARKER) && !c.contains("mcp-client.mjs")).toList();
    }

    /** The Docker and Kubernetes convention: the key in a file that WAYGATE_API_KEY_FILE names (decision 0010). */
    @Test
    void theOfficialClientConnectsWithTheKeyInTheFileWaygateApiKeyFileNames() throws Exception {
        java.nio.file.Path keyFile = prepared.dir().resolve("api-key");
        java.nio.file.Files.writeString(keyFile, prepared.key() + "\n");

        JsonNode out = NodeClient.stdio(waygateStdio(), Map.of("WAYGATE_API_KEY_FILE", keyFile.toString()),
                "[{\"op\":\"awaitTools\",\"names\":[\"everything__echo\"],\"timeoutMs\":60000}]");

        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        NodeClient.result(out, 0);
    }

    @Test
    void withoutAKeyTheGatewayExitsNonZeroAndSaysWhy() throws Exception {
        Cli.Exit e = Cli.run(Map.of(), "stdio", "--config", prepared.file().toString());
        assertThat(e.code()).isNotZero();
        assertThat(e.stderr()).contains("WAYGATE_API_KEY");
    }

    @Test
    void withAnInvalidKeyTheGatewayExitsNonZero() throws Exception {
        Cli.Exit e = Cli.run(Map.of("WAYGATE_API_KEY", "wg_not-a-real-key"), "stdio", "--config", prepared.file().toString());
        assertThat(e.code()).isNotZero();
        assertThat(e.stderr()).contains("not valid");
    }

    @Test
    void withoutAKeyTheOfficialClientCannotConnect() throws Exception {
        JsonNode out = NodeClient.stdio(waygateStdio(), Map.of(), "[{\"op\":\"listTools\"}]");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isFalse();
    }
}
