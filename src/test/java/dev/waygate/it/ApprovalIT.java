package dev.waygate.it;

import static dev.waygate.it.ApprovalSupport.awaitPending;
import static dev.waygate.it.ApprovalSupport.awaitState;
import static dev.waygate.it.ApprovalSupport.get;
import static dev.waygate.it.ApprovalSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The approval gate through a real gateway, a real upstream (server-everything) and the official
 * TypeScript client: a high-risk call waits (with progress) and is approved through REST or the
 * CLI, denied with the right error, needs two distinct approvers where the rule says so, is never
 * approved by its own principal, asks the calling user by elicitation where the rule says so, is
 * cancelled with its call, and each new approval reaches both webhooks with verifiable signatures.
 */
class ApprovalIT {
    static final Set<String> seen = new HashSet<>();
    static ApprovalSupport.Receiver receiver;
    static GatewayFixture gw;
    static String approver;
    static String approver2;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        receiver = new ApprovalSupport.Receiver(1);
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                approvals:
                  timeout: 2m
                  progress_interval: 500ms
                  webhooks:
                    - { name: generic, url: "%s", format: json }
                    - { name: chat, url: "%s", format: slack }
                policy:
                  rules:
                    - name: echo-needs-approval
                      tools: [everything__echo]
                      effect: allow
                      risk: high
                      approval: { roles: [approver] }
                    - name: sum-needs-two
                      tools: [everything__get-sum]
                      effect: allow
                      risk: high
                      approval: { roles: [approver], approvers: 2 }
                    - name: image-asks-user
                      tools: [everything__get-tiny-image]
                      effect: allow
                      risk: high
                      approval: { approvers: 0, ask_user: true }
                    - name: the-rest
                      effect: allow
                """.formatted(GatewayFixture.everything(), receiver.url("/hook"), receiver.url("/slack")));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(60), "everything__echo");
        approver = gw.createKey("alice", "approver");
        approver2 = gw.createKey("bob", "approver");
        admin = gw.createKey("root", "admin");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    static CompletableFuture<JsonNode> call(String tool, String argsJson) {
        return call(gw.key(), tool, argsJson);
    }

    static CompletableFuture<JsonNode> call(String key, String tool, String argsJson) {
        return NodeClient.async(NodeClient.httpArgs(gw.mcpUrl(), key), "[{\"op\":\"callTool\",\"name\":\"" + tool
                + "\",\"arguments\":" + argsJson + ",\"progress\":true,\"timeoutMs\":120000,\"resetTimeoutOnProgress\":true}]");
    }

    @Test
    void approvedThroughRestTheCallProceedsAfterProgressAndTheWebhooksWereSigned() throws Exception {
        CompletableFuture<JsonNode> out = call("everything__echo", "{\"message\":\"deploy prod\",\"api_key\":\"s3cret-value\"}");
        JsonNode a = awaitPending(gw.base(), approver, "everything__echo", seen);
        String id = a.path("id").asText();
        assertThat(a.path("principal").asText()).isEqualTo("tester");
        assertThat(a.path("rule").asText()).isEqualTo("echo-needs-approval");
        assertThat(a.path("risk").asText()).isEqualTo("high");
        assertThat(a.path("arguments").path("message").asText()).isEqualTo("deploy prod");
        assertThat(a.path("arguments").path("api_key").asText()).as("redacted").isEqualTo("[REDACTED]");
        assertThat(a.path("findings").isArray()).isTrue();
        assertThat(a.path("can_decide").asBoolean()).isTrue();
        assertThat(out).as("the call waits").isNotDone();

        // The requester may see its approval but never decide it.
        ApprovalSupport.Rest self = post(gw.base(), gw.key(), "/approvals/" + id + "/approve", "{}");
        assertThat(self.status()).isEqualTo(403);
        assertThat(self.body().path("error").path("code").asText()).isEqualTo("self_approval");

        Thread.sleep(2000); // long enough for a few progress ticks (every 500 ms)
        ApprovalSupport.Rest ok = post(gw.base(), approver, "/approvals/" + id + "/approve", "{\"comment\":\"looks fine\"}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body().path("state").asText()).isEqualTo("approved");
        assertThat(ok.body().path("decisions").get(0).path("approver").asText()).isEqualTo("alice");
        assertThat(ok.body().path("decisions").get(0).path("comment").asText()).isEqualTo("looks fine");

        JsonNode result = out.get(120, TimeUnit.SECONDS);
        assertThat(NodeClient.text(result, 0)).isEqualTo("Echo: deploy prod");
        assertThat(NodeClient.result(result, 0).path("progress").size()).as("progress while waiting").isGreaterThanOrEqualTo(1);

        ApprovalSupport.Rest again = post(gw.base(), approver2, "/approvals/" + id + "/deny", "{}");
        assertThat(again.status()).isEqualTo(409);

        checkWebhooks(id);
    }

    private void checkWebhooks(String id) throws Exception {
        String key = Files.readString(gw.gateway().config().dataDir().resolve("approval-signing.key")).trim();
        Map<String, ApprovalSupport.Hook> byPath = new java.util.HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (byPath.size() < 2 && System.nanoTime() < deadline) {
            ApprovalSupport.Hook h = receiver.received.poll(1, TimeUnit.SECONDS);
            if (h != null && new String(h.body(), StandardCharsets.UTF_8).contains(id)) {
                byPath.put(h.path(), h);
            }
        }
        assertThat(byPath).containsKeys("/hook", "/slack");
        for (ApprovalSupport.Hook h : byPath.values()) {
            String sig = h.header("X-Waygate-Signature");
            String t = sig.substring(2, sig.indexOf(','));
            assertThat(sig).isEqualTo("t=" + t + ",v1=" + hmac(key, t + "." + new String(h.body(), StandardCharsets.UTF_8)));
        }
        JsonNode generic = Json.parse(byPath.get("/hook").body());
        assertThat(generic.path("event").asText()).isEqualTo("approval.requested");
        assertThat(generic.path("approval").path("id").asText()).isEqualTo(id);
        assertThat(generic.path("approval").path("arguments").path("api_key").asText()).isEqualTo("[REDACTED]");
        checkLink(generic.path("link").asText(), id, key);
        JsonNode slack = Json.parse(byPath.get("/slack").body());
        assertThat(slack.path("text").asText()).contains("everything__echo").contains("tester")
                .contains("|Open in the Waygate dashboard>");
        String slackLink = slack.path("text").asText().replaceAll("(?s).*<(http[^|]+)\\|.*", "$1");
        checkLink(slackLink, id, key);
        assertThat(new String(byPath.get("/slack").body(), StandardCharsets.UTF_8)).doesNotContain("s3cret-value");

        // The first delivery to /hook got 503 and was retried: the status says so.
        JsonNode status = get(gw.base(), admin, "/approvals/webhooks").body().path("webhooks");
        JsonNode generic1 = status.get(0);
        assertThat(generic1.path("name").asText()).isEqualTo("generic");
        assertThat(generic1.path("retries").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(generic1.path("delivered").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(generic1.path("last_error").asText()).isEqualTo("HTTP 503");
        assertThat(status.toString()).doesNotContain("/hook").doesNotContain("/slack");
    }

    private void checkLink(String link, String id, String key) {
        assertThat(link).startsWith(gw.base() + "/dashboard/?approval=" + id + "&exp=");
        String exp = link.replaceAll(".*&exp=(\\d+)&.*", "$1");
        String sig = link.replaceAll(".*&sig=([0-9a-f]+)$", "$1");
        assertThat(sig).isEqualTo(hmac(key, "link\n" + id + "\n" + exp));
        assertThat(Long.parseLong(exp)).isGreaterThan(System.currentTimeMillis() / 1000);
    }

    static String hmac(String hexKey, String text) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(HexFormat.of().parseHex(hexKey), "HmacSHA256"));
            return HexFormat.of().formatHex(m.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void deniedThroughTheCliTheClientGetsApprovalDeniedWithTheComment() throws Exception {
        CompletableFuture<JsonNode> out = call("everything__echo", "{\"message\":\"drop table\"}");
        String id = awaitPending(gw.base(), approver, "everything__echo", seen).path("id").asText();
        Map<String, String> env = Map.of("WAYGATE_API_KEY", approver);
        Cli.Exit list = Cli.run(env, "approvals", "list", "--url", gw.base());
        assertThat(list.code()).as(list.stderr()).isZero();
        assertThat(list.stdout()).contains(id).contains("everything__echo").contains("drop table");

        Path keyFile = Files.createTempFile(gw.dir(), "tester", ".key");
        Files.writeString(keyFile, gw.key());
        Cli.Exit self = Cli.run(Map.of(), "approvals", "approve", id, "--url", gw.base(), "--key-file", keyFile.toString());
        assertThat(self.code()).isEqualTo(1);
        assertThat(self.stderr()).contains("self_approval");

        Cli.Exit deny = Cli.run(env, "approvals", "deny", id, "--comment", "not today", "--url", gw.base());
        assertThat(deny.code()).as(deny.stderr()).isZero();
        assertThat(deny.stdout().trim()).isEqualTo(id + "\tdenied");

        JsonNode error = NodeClient.error(out.get(120, TimeUnit.SECONDS), 0);
        assertThat(error.path("code").asInt()).isEqualTo(-32050);
        assertThat(error.path("message").asText()).contains(id).contains("alice").contains("not today");
        assertThat(error.path("data").path("reason").asText()).isEqualTo("approval_denied");
    }

    @Test
    void aTwoApproverRuleNeedsTwoDistinctApprovers() throws Exception {
        CompletableFuture<JsonNode> out = call("everything__get-sum", "{\"a\":2,\"b\":3}");
        String id = awaitPending(gw.base(), approver, "everything__get-sum", seen).path("id").asText();
        ApprovalSupport.Rest first = post(gw.base(), approver, "/approvals/" + id + "/approve", "{}");
        assertThat(first.body().path("state").asText()).isEqualTo("pending");
        ApprovalSupport.Rest twice = post(gw.base(), approver, "/approvals/" + id + "/approve", "{}");
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.body().path("error").path("code").asText()).isEqualTo("already_voted");
        ApprovalSupport.Rest notApprover = post(gw.base(), admin, "/approvals/" + id + "/approve", "{}");
        assertThat(notApprover.status()).as("admin is not among this rule's approver roles").isEqualTo(403);
        assertThat(out).isNotDone();
        ApprovalSupport.Rest second = post(gw.base(), approver2, "/approvals/" + id + "/approve", "{\"comment\":\"ok\"}");
        assertThat(second.body().path("state").asText()).isEqualTo("approved");
        assertThat(NodeClient.text(out.get(120, TimeUnit.SECONDS), 0)).contains("5");
    }

    @Test
    void aRuleWithAskUserAsksTheCallingUserByElicitation() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), "[{\"op\":\"callTool\",\"name\":\"everything__get-tiny-image\"}]");
        assertThat(NodeClient.result(out, 0).path("content").isArray()).isTrue();
        List<String> asked = new java.util.ArrayList<>();
        out.path("serverRequests").forEach(r -> asked.add(r.path("method").asText()));
        assertThat(asked).contains("elicitation/create");
    }

    @Test
    void aCancelledCallCancelsItsApproval() throws Exception {
        CompletableFuture<JsonNode> out = NodeClient.async(NodeClient.httpArgs(gw.mcpUrl(), gw.key()),
                "[{\"op\":\"callToolAndCancel\",\"name\":\"everything__echo\",\"arguments\":{\"message\":\"cancel me\"},\"afterMs\":4000}]");
        String id = awaitPending(gw.base(), approver, "everything__echo", seen).path("id").asText();
        JsonNode a = awaitState(gw.base(), approver, id, "cancelled");
        assertThat(a.path("reason").asText()).isEqualTo("client_cancelled");
        assertThat(out.get(120, TimeUnit.SECONDS).path("results").get(0).path("cancelled").asBoolean()).isTrue();
        assertThat(post(gw.base(), approver, "/approvals/" + id + "/approve", "{}").status()).isEqualTo(409);
    }

    @Test
    void approvingSimilarCallsLetsTheSameShapePassForAWhile() throws Exception {
        // Its own principal: the grant must not let the other tests' calls pass.
        String carol = gw.createKey("carol", "dev");
        CompletableFuture<JsonNode> out = call(carol, "everything__echo", "{\"message\":\"status 1\"}");
        String id = awaitPending(gw.base(), approver, "everything__echo", seen).path("id").asText();
        ApprovalSupport.Rest tooLong = post(gw.base(), approver, "/approvals/" + id + "/approve", "{\"similar_minutes\":600}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(post(gw.base(), approver, "/approvals/" + id + "/approve", "{\"similar_minutes\":5}").status()).isEqualTo(200);
        assertThat(NodeClient.text(out.get(120, TimeUnit.SECONDS), 0)).isEqualTo("Echo: status 1");
        // Same principal, tool and argument shape: no new approval, the call passes at once.
        JsonNode again = NodeClient.http(gw.mcpUrl(), carol,
                "[{\"op\":\"callTool\",\"name\":\"everything__echo\",\"arguments\":{\"message\":\"status 2\"}}]");
        assertThat(NodeClient.text(again, 0)).isEqualTo("Echo: status 2");
        assertThat(get(gw.base(), approver, "/approvals").body().path("approvals").toString()).doesNotContain("carol");
        // The audit log has the grant and its use.
        String audit = get(gw.base(), admin, "/audit?limit=200").body().toString();
        assertThat(audit).contains("approval.similar_granted").contains("approval.similar_used");
    }

    @Test
    void onlyThoseWhoMaySeeAnApprovalSeeIt() throws Exception {
        String outsider = gw.createKey("mallory", "dev");
        CompletableFuture<JsonNode> out = call("everything__echo", "{\"message\":\"private\"}");
        String id = awaitPending(gw.base(), approver, "everything__echo", seen).path("id").asText();
        assertThat(get(gw.base(), outsider, "/approvals/" + id).status()).isEqualTo(404);
        assertThat(get(gw.base(), outsider, "/approvals").body().path("approvals").size()).isZero();
        assertThat(post(gw.base(), outsider, "/approvals/" + id + "/approve", "{}").status()).isEqualTo(404);
        assertThat(get(gw.base(), gw.key(), "/approvals/" + id).status()).as("the requester sees it").isEqualTo(200);
        assertThat(post(gw.base(), approver, "/approvals/" + id + "/deny", "{}").status()).isEqualTo(200);
        assertThat(NodeClient.error(out.get(120, TimeUnit.SECONDS), 0).path("code").asInt()).isEqualTo(-32050);
    }
}
