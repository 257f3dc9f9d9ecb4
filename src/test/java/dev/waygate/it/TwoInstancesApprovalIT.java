package dev.waygate.it;

import static dev.waygate.it.ApprovalSupport.get;
import static dev.waygate.it.ApprovalSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.KeyStore;
import dev.waygate.mcp.Json;
import dev.waygate.seal.SealKey;
import dev.waygate.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The approval gate of 2026-07-28 clients across gateway processes. A and B share their sealing key
 * and an approval store ({@code approvals.store}), nothing else: an approval asked at A and decided
 * through A's REST API lets the retry that lands on B run the call, once. C shares only the key: it
 * opens the state but cannot know the decision, and says so instead of guessing.
 */
class TwoInstancesApprovalIT {
    static Path shared;
    static GatewayProcess a;
    static GatewayProcess b;
    static GatewayProcess c;
    static String key;
    static String approver;

    @BeforeAll
    static void start() throws Exception {
        shared = Files.createTempDirectory("waygate-approvals");
        String rest = """
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                approvals:
                  timeout: 2m
                  retry_wait: 1s
                  %s
                policy:
                  rules:
                    - name: echo-needs-approval
                      tools: [everything__echo]
                      effect: allow
                      risk: high
                      approval: { roles: [approver] }
                    - name: the-rest
                      effect: allow
                """;
        GatewayFixture.Prepared pa = GatewayFixture.prepare(rest.formatted(GatewayFixture.everything(), "store: \"" + shared + "\""));
        GatewayFixture.Prepared pb = GatewayFixture.prepare(rest.formatted(GatewayFixture.everything(), "store: \"" + shared + "\""));
        GatewayFixture.Prepared pc = GatewayFixture.prepare(rest.formatted(GatewayFixture.everything(), ""));
        key = pa.key();
        try (Database db = Database.open(pa.config().dataDir())) {
            approver = new KeyStore(db).create("alice", Set.of("approver"), Optional.empty()).key();
        }
        for (GatewayFixture.Prepared p : new GatewayFixture.Prepared[] {pb, pc}) {
            Files.copy(pa.config().dataDir().resolve("waygate.db"), p.config().dataDir().resolve("waygate.db"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        a = GatewayProcess.start(pa, "approvals-a");
        Files.copy(pa.config().dataDir().resolve(SealKey.FILE), pb.config().dataDir().resolve(SealKey.FILE));
        Files.copy(pa.config().dataDir().resolve(SealKey.FILE), pc.config().dataDir().resolve(SealKey.FILE));
        b = GatewayProcess.start(pb, "approvals-b");
        c = GatewayProcess.start(pc, "approvals-c");
        for (GatewayProcess g : new GatewayProcess[] {a, b, c}) {
            NodeClientV2.http(g.mcpUrl(), key, """
                    [{"op":"awaitTools","names":["everything__echo"],"timeoutMs":60000}]""");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (GatewayProcess g : new GatewayProcess[] {a, b, c}) {
            if (g != null) {
                g.killIfAlive();
            }
        }
        if (shared != null) {
            GatewayFixture.deleteTree(shared);
        }
    }

    static JsonNode pendingAt(GatewayProcess g, String message) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode x : get(g.base(), approver, "/approvals").body().path("approvals")) {
                if (x.path("arguments").path("message").asText().equals(message) && x.path("state").asText().equals("pending")) {
                    return x;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no pending approval for '" + message + "' at " + g.base());
    }

    @Test
    void decidedAtOneInstanceTheRetryAtTheOtherRunsTheCallOnce() throws Exception {
        McpHttp atA = new McpHttp(a.mcpUrl(), key);
        McpHttp atB = new McpHttp(b.mcpUrl(), key);
        McpHttp atC = new McpHttp(c.mcpUrl(), key);
        ObjectNode args = Json.object().put("message", "across instances");
        JsonNode first = McpHttp.reply(ModernClientIT.post(atA, 1, "tools/call", "everything__echo", args, null, null)).path("result");
        assertThat(first.path("resultType").asText()).as(first.toString()).isEqualTo("input_required");
        String state = first.path("requestState").asText();
        String id = pendingAt(a, "across instances").path("id").asText();
        assertThat(pendingAt(b, "across instances").path("id").asText()).as("B sees the same approval").isEqualTo(id);

        JsonNode pending = McpHttp.reply(ModernClientIT.post(atB, 2, "tools/call", "everything__echo", args, state, null));
        assertThat(pending.path("result").path("resultType").asText()).as(pending.toString()).isEqualTo("input_required");

        assertThat(post(a.base(), approver, "/approvals/" + id + "/approve", "{}").status()).isEqualTo(200);
        JsonNode unknown = McpHttp.reply(ModernClientIT.post(atC, 3, "tools/call", "everything__echo", args, state, null));
        assertThat(unknown.path("error").path("code").asInt()).as(unknown.toString()).isEqualTo(-32037);
        assertThat(unknown.path("error").path("message").asText()).contains(id).contains("approvals.store");

        JsonNode done = McpHttp.reply(ModernClientIT.post(atB, 4, "tools/call", "everything__echo", args, state, null));
        assertThat(done.path("result").path("content").path(0).path("text").asText()).as(done.toString())
                .isEqualTo("Echo: across instances");
        JsonNode replay = McpHttp.reply(ModernClientIT.post(atA, 5, "tools/call", "everything__echo", args, state, null));
        assertThat(replay.path("error").path("code").asInt()).as(replay.toString()).isEqualTo(-32036);
        assertThat(replay.path("error").path("message").asText()).contains("has been used");
        assertThat(get(a.base(), approver, "/approvals/" + id).body().path("reason").asText()).isEqualTo("redeemed");
    }

    @Test
    void theSdkClientAlternatingBetweenInstancesGetsItsApprovedCall() throws Exception {
        CompletableFuture<JsonNode> out = CompletableFuture.supplyAsync(() -> {
            try {
                return NodeClientV2.http(a.mcpUrl(), key, """
                        [{"op":"callTool","name":"everything__echo","arguments":{"message":"sdk across"},"timeoutMs":60000}]""",
                        "--alt-url", b.mcpUrl(), "--input-rounds", "200");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String id = pendingAt(a, "sdk across").path("id").asText();
        Thread.sleep(1500);
        assertThat(post(a.base(), approver, "/approvals/" + id + "/approve", "{}").status()).isEqualTo(200);
        JsonNode result = out.get(60, TimeUnit.SECONDS);
        assertThat(NodeClient.text(result, 0)).as(result.toString()).isEqualTo("Echo: sdk across");
        assertThat(result.path("http").findValuesAsText("url")).as("both instances served it").contains(a.mcpUrl(), b.mcpUrl());
    }
}
