package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.AuditKeys;
import dev.waygate.audit.Verifier;
import dev.waygate.audit.VerifyReport;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The journal directory is replaced by a regular file under a running gateway (tests run as root,
 * so permissions would not stop the writes): calls are refused with {@code audit_unavailable},
 * {@code /ready} says 503 and why; when the directory is back, calls are accepted again and the
 * journal still verifies.
 */
class AuditFailClosedIT {
    @Test
    void refusesCallsWhileTheJournalCannotBeWrittenAndRecovers() throws Exception {
        // Pinning off: its first-sight entries (one per tool) would be in the journal too; this test
        // counts exactly the calls made before and after the outage.
        try (GatewayFixture gw = GatewayFixture.start("""
                pinning: { mode: "off" }
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(GatewayFixture.everything()))) {
            gw.awaitReady(Duration.ofSeconds(60));
            McpSession mcp = new McpSession(gw.mcpUrl(), gw.key());
            assertThat(mcp.call("everything__echo", "{\"message\":\"before\"}").has("result")).isTrue();

            Path journal = gw.gateway().config().dataDir().resolve("audit");
            Path away = journal.resolveSibling("audit.away");
            Files.move(journal, away);
            Files.writeString(journal, "not a directory");

            JsonNode refused = mcp.call("everything__echo", "{\"message\":\"during\"}");
            assertThat(refused.path("error").path("data").path("reason").asText()).isEqualTo("audit_unavailable");
            assertThat(refused.path("error").path("message").asText()).contains("audit log cannot be written");
            JsonNode again = mcp.call("everything__echo", "{\"message\":\"during 2\"}");
            assertThat(again.path("error").path("data").path("reason").asText()).isEqualTo("audit_unavailable");
            HttpResponse<String> ready = get(gw, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(Json.parse(ready.body()).path("audit").path("reason").asText()).isEqualTo("audit_unavailable");

            Files.delete(journal);
            Files.move(away, journal);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (get(gw, "/ready").statusCode() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(get(gw, "/ready").statusCode()).isEqualTo(200);
            assertThat(mcp.call("everything__echo", "{\"message\":\"after\"}").has("result")).isTrue();

            gw.gateway().close();
            AuditKeys keys = AuditKeys.loadOrCreate(gw.gateway().config().dataDir());
            VerifyReport r = new Verifier(journal, Map.of(keys.hmacKeyId(), keys.hmacKey()),
                    Map.of(keys.signingKeyId(), keys.publicKey())).verify();
            assertThat(r.intact()).as(r.detail()).isTrue();
            assertThat(r.entries()).isEqualTo(2);
        }
    }

    static HttpResponse<String> get(GatewayFixture gw, String path) throws Exception {
        return McpSession.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
