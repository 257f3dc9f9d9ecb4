package dev.waygate.it;

import static dev.waygate.it.ApprovalSupport.awaitPending;
import static dev.waygate.it.ApprovalSupport.get;
import static dev.waygate.it.ApprovalSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.KeyStore;
import dev.waygate.store.Database;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The approval gate fails closed in time and across a restart, with {@code waygate serve} in its
 * own process: an undecided approval expires and the call gets -32051; a gateway killed while a
 * call waits comes back with that approval expired ({@code client_gone}, audited), and it can no
 * longer be approved.
 */
class ApprovalRestartIT {
    static final String CONFIG = """
            servers:
              everything: { command: node, args: ["%s", stdio] }
            approvals: { timeout: 4s, progress_interval: 1s }
            policy:
              rules:
                - name: echo-needs-approval
                  tools: [everything__echo]
                  effect: allow
                  risk: high
                - name: the-rest
                  effect: allow
            """.formatted(GatewayFixture.everything());

    @Test
    void anUndecidedApprovalExpiresAndAPendingOneDoesNotSurviveARestart() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare(CONFIG);
        String approver;
        String admin;
        try (Database db = Database.open(p.config().dataDir())) {
            approver = new KeyStore(db).create("alice", Set.of("approver"), Optional.empty()).key();
            admin = new KeyStore(db).create("root", Set.of("admin"), Optional.empty()).key();
        }
        Set<String> seen = new HashSet<>();
        GatewayProcess g = GatewayProcess.start(p, "approval-restart-1");
        try {
            // 1. Nobody decides: expired at the deadline, fail closed.
            long start = System.nanoTime();
            JsonNode out = NodeClient.http(g.mcpUrl(), p.key(), "[{\"op\":\"awaitTools\",\"names\":[\"everything__echo\"],"
                    + "\"timeoutMs\":60000},{\"op\":\"callTool\",\"name\":\"everything__echo\",\"arguments\":{\"message\":\"x\"}}]");
            JsonNode error = NodeClient.error(out, 1);
            assertThat(error.path("code").asInt()).isEqualTo(-32051);
            assertThat(error.path("data").path("reason").asText()).isEqualTo("approval_expired");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
            String expiredId = error.path("data").path("approval_id").asText();
            JsonNode expired = get(g.base(), approver, "/approvals/" + expiredId).body();
            assertThat(expired.path("state").asText()).isEqualTo("expired");
            assertThat(expired.path("reason").asText()).isEqualTo("timeout");
            seen.add(expiredId);
        } finally {
            g.killIfAlive();
        }

        // 2. A call waits; the gateway dies (SIGKILL) before anyone decides.
        String config = java.nio.file.Files.readString(p.file()).replace("timeout: 4s", "timeout: 5m");
        java.nio.file.Files.writeString(p.file(), config);
        g = GatewayProcess.start(p, "approval-restart-2");
        String id;
        CompletableFuture<JsonNode> waiting;
        try {
            waiting = NodeClient.async(NodeClient.httpArgs(g.mcpUrl(), p.key()), "[{\"op\":\"awaitTools\",\"names\":"
                    + "[\"everything__echo\"],\"timeoutMs\":60000},{\"op\":\"callTool\",\"name\":\"everything__echo\","
                    + "\"arguments\":{\"message\":\"across a restart\"},\"timeoutMs\":120000}]");
            id = awaitPending(g.base(), approver, "everything__echo", seen).path("id").asText();
            g.kill9();
        } finally {
            g.killIfAlive();
        }
        NodeClient.error(waiting.get(120, TimeUnit.SECONDS), 1);

        // 3. After the restart the approval is expired (its client is gone) and cannot be approved.
        g = GatewayProcess.start(p, "approval-restart-3");
        try {
            JsonNode a = get(g.base(), approver, "/approvals/" + id).body();
            assertThat(a.path("state").asText()).isEqualTo("expired");
            assertThat(a.path("reason").asText()).isEqualTo("client_gone");
            assertThat(a.path("arguments").path("message").asText()).isEqualTo("across a restart");
            assertThat(get(g.base(), approver, "/approvals").body().path("approvals").size()).isZero();
            ApprovalSupport.Rest late = post(g.base(), approver, "/approvals/" + id + "/approve", "{}");
            assertThat(late.status()).isEqualTo(409);
            assertThat(late.body().path("error").path("code").asText()).isEqualTo("not_pending");
            String audit = get(g.base(), admin, "/audit?limit=500").body().toString();
            assertThat(audit).contains("approval.requested").contains("client_gone").contains("approval_expired");
        } finally {
            g.stop();
        }
    }
}
