package dev.waygate.it;

import static dev.waygate.it.ApprovalSupport.get;
import static dev.waygate.it.ApprovalSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The approval gate for 2026-07-28 clients, as multi-round-trip requests: a high-risk call is
 * answered {@code input_required} with a sealed {@code requestState} instead of being held; the
 * client (the v2 TypeScript SDK, which retries on its own) gets {@code input_required} again while
 * the approval is pending, and its retry after the approval (given through REST) runs the call
 * exactly once. Denied gives the refusal; a state presented by another principal, for other
 * arguments, or a second time after the call ran is refused.
 */
class ModernApprovalIT {
    static GatewayFixture gw;
    static String approver;
    static String admin;
    static String mallory;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                approvals:
                  timeout: 2m
                  retry_wait: 2s
                policy:
                  rules:
                    - name: echo-needs-approval
                      tools: [everything__echo]
                      effect: allow
                      risk: high
                      approval: { roles: [approver] }
                    - name: the-rest
                      effect: allow
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(60), "everything__echo");
        approver = gw.createKey("alice", "approver");
        admin = gw.createKey("root", "admin");
        mallory = gw.createKey("mallory", "dev");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    static CompletableFuture<JsonNode> callV2(String message) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return NodeClientV2.http(gw.mcpUrl(), gw.key(), """
                        [{"op":"callTool","name":"everything__echo","arguments":{"message":"%s"},"timeoutMs":60000}]"""
                        .formatted(message), "--input-rounds", "200");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The audit entries of echo calls with this message that reached the upstream (upstream status ok). */
    static List<JsonNode> ran(String message) throws Exception {
        return echoEntries(message, "ok");
    }

    /** The audit entries of echo calls with this message and upstream status. */
    static List<JsonNode> echoEntries(String message, String upstreamStatus) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : get(gw.base(), admin, "/audit?tool=everything__echo&limit=500").body().path("entries")) {
            if (e.path("args").path("message").asText().equals(message) && e.path("upstream_status").asText().equals(upstreamStatus)) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void approvedThroughRestTheSdkClientsRetryRunsTheCallOnce() throws Exception {
        CompletableFuture<JsonNode> out = callV2("modern deploy");
        JsonNode a = pendingFor("modern deploy");
        String id = a.path("id").asText();
        assertThat(a.path("principal").asText()).isEqualTo("tester");
        assertThat(a.path("arguments").path("message").asText()).isEqualTo("modern deploy");
        // the client has been told input_required at least twice (the first answer and a retry), as the audit shows
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (echoEntries("modern deploy", "input_required").size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(echoEntries("modern deploy", "input_required")).as("answered input_required, then retried and answered so again")
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(out).as("pending: the client keeps retrying").isNotDone();

        ApprovalSupport.Rest ok = post(gw.base(), approver, "/approvals/" + id + "/approve", "{}");
        assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
        JsonNode result = out.get(60, TimeUnit.SECONDS);
        assertThat(NodeClient.text(result, 0)).as(result.toString()).isEqualTo("Echo: modern deploy");

        List<JsonNode> calls = new ArrayList<>();
        result.path("http").forEach(h -> {
            if ("tools/call".equals(h.path("mcpMethod").asText())) {
                calls.add(h);
            }
        });
        assertThat(calls.size()).as("the first answer and at least one pending retry before the approved one: %s", calls)
                .isGreaterThanOrEqualTo(3);
        assertThat(calls).allSatisfy(h -> assertThat(h.path("sessionId").isNull()).isTrue());
        assertThat(get(gw.base(), approver, "/approvals/" + id).body().path("reason").asText())
                .as("the approval was taken by the call").isEqualTo("redeemed");
        awaitAudit("modern deploy", 1);
        String audit = get(gw.base(), admin, "/audit?limit=500").body().toString();
        assertThat(audit).contains("approval.redeemed").contains("input_required");
    }

    @Test
    void deniedTheClientGetsTheRefusal() throws Exception {
        CompletableFuture<JsonNode> out = callV2("modern denied");
        String id = pendingFor("modern denied").path("id").asText();
        assertThat(post(gw.base(), approver, "/approvals/" + id + "/deny", "{\"comment\":\"no\"}").status()).isEqualTo(200);
        JsonNode result = out.get(60, TimeUnit.SECONDS);
        JsonNode entry = result.path("results").get(0);
        assertThat(entry.path("ok").asBoolean()).as(result.toString()).isFalse();
        assertThat(entry.path("error").path("code").asInt()).isEqualTo(-32050);
        assertThat(entry.path("error").path("message").asText()).contains(id).contains("denied by alice: no");
        assertThat(ran("modern denied")).isEmpty();
    }

    @Test
    void theStateIsBoundToPrincipalArgumentsAndOneRun() throws Exception {
        McpHttp asTester = new McpHttp(gw.mcpUrl(), gw.key());
        McpHttp asMallory = new McpHttp(gw.mcpUrl(), mallory);
        ObjectNode args = Json.object().put("message", "raw approval");
        JsonNode first = McpHttp.reply(ModernClientIT.post(asTester, 1, "tools/call", "everything__echo", args, null, null));
        JsonNode ir = first.path("result");
        assertThat(ir.path("resultType").asText()).as(first.toString()).isEqualTo("input_required");
        assertThat(ir.has("inputRequests")).as("nothing to ask the client: it only retries").isFalse();
        String state = ir.path("requestState").asText();
        assertThat(state).startsWith("ap.");
        String id = pendingFor("raw approval").path("id").asText();
        assertThat(state).doesNotContain(id).doesNotContain("raw approval");

        long t0 = System.nanoTime();
        JsonNode pending = McpHttp.reply(ModernClientIT.post(asTester, 2, "tools/call", "everything__echo", args, state, null));
        assertThat(pending.path("result").path("resultType").asText()).as(pending.toString()).isEqualTo("input_required");
        assertThat(pending.path("result").path("requestState").asText()).isEqualTo(state);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("a pending retry waits retry_wait for the decision")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));

        JsonNode stolen = McpHttp.reply(ModernClientIT.post(asMallory, 3, "tools/call", "everything__echo", args, state, null));
        assertThat(stolen.path("error").path("code").asInt()).as(stolen.toString()).isEqualTo(-32036);
        assertThat(stolen.path("error").path("message").asText()).contains("not authentic");
        JsonNode other = McpHttp.reply(ModernClientIT.post(asTester, 4, "tools/call", "everything__echo",
                Json.object().put("message", "something else"), state, null));
        assertThat(other.path("error").path("code").asInt()).as(other.toString()).isEqualTo(-32036);
        assertThat(other.path("error").path("message").asText()).contains("arguments differ");
        String forged = state.substring(0, state.length() - 4) + (state.endsWith("AAAA") ? "BBBB" : "AAAA");
        JsonNode tampered = McpHttp.reply(ModernClientIT.post(asTester, 5, "tools/call", "everything__echo", args, forged, null));
        assertThat(tampered.path("error").path("code").asInt()).as(tampered.toString()).isEqualTo(-32036);

        assertThat(post(gw.base(), approver, "/approvals/" + id + "/approve", "{}").status()).isEqualTo(200);
        JsonNode done = McpHttp.reply(ModernClientIT.post(asTester, 6, "tools/call", "everything__echo", args, state, null));
        assertThat(done.path("result").path("content").path(0).path("text").asText()).as(done.toString())
                .isEqualTo("Echo: raw approval");
        JsonNode replay = McpHttp.reply(ModernClientIT.post(asTester, 7, "tools/call", "everything__echo", args, state, null));
        assertThat(replay.path("error").path("code").asInt()).as(replay.toString()).isEqualTo(-32036);
        assertThat(replay.path("error").path("message").asText()).contains("has been used");
        awaitAudit("raw approval", 1);
    }

    /** The pending approval of the echo call with this message, as the approver sees it. */
    static JsonNode pendingFor(String message) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode a : get(gw.base(), approver, "/approvals").body().path("approvals")) {
                if (a.path("arguments").path("message").asText().equals(message) && a.path("state").asText().equals("pending")) {
                    return a;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no pending approval for '" + message + "' within 60 s");
    }

    /** The audit index is fed after each entry is durable: waits for it, then checks the count stays exact. */
    static void awaitAudit(String message, int runs) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ran(message).size() < runs && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(500);
        assertThat(ran(message)).as("the upstream ran the approved call exactly once").hasSize(runs);
    }
}
