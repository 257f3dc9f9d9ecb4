package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /mcp/execute} through a real gateway to a real stdio upstream (the probe server): the
 * same pipeline as {@code tools/call}, with refusals as HTTP statuses a script can act on.
 */
class ExecuteIT {
    static final String CONFIG = ReloadIT.SERVERS + """
            policy:
              rules:
                - name: no-hang
                  tools: [probe__hang]
                  effect: deny
                - name: dev-probe
                  roles: [dev]
                  servers: [probe]
                  effect: allow
                  rate_limit: { per_minute: 1, burst: 3 }
            """;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aRestCallIsJudgedLimitedAndAuditedLikeAnMcpCall() throws Exception {
        try (GatewayFixture gw = GatewayFixture.start(CONFIG)) {
            gw.awaitReady(Duration.ofSeconds(60));
            String admin = gw.createKey("root", "admin");

            HttpResponse<String> ok = execute(gw, gw.key(), "{\"tool\":\"probe__echo\",\"arguments\":{\"message\":\"hi\"}}");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(Json.parse(ok.body()).path("result").path("content").path(0).path("text").asText()).isEqualTo("probe: hi");
            String correlation = ok.headers().firstValue("X-Waygate-Correlation-Id").orElseThrow();

            HttpResponse<String> denied = execute(gw, gw.key(), "{\"tool\":\"probe__hang\",\"arguments\":{}}");
            assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
            JsonNode err = Json.parse(denied.body()).path("error");
            assertThat(err.path("code").asText()).isEqualTo("policy_denied");
            assertThat(err.path("data").path("rule").asText()).isEqualTo("no-hang");
            assertThat(err.path("jsonrpc_code").asInt()).isEqualTo(-32034);

            HttpResponse<String> unknown = execute(gw, gw.key(), "{\"tool\":\"probe__nope\"}");
            assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
            assertThat(Json.parse(unknown.body()).path("error").path("code").asText()).isEqualTo("unknown_tool");

            // Burst 3: the echo above spent one; two more pass, the next is limited with a Retry-After.
            for (int i = 0; i < 2; i++) {
                assertThat(execute(gw, gw.key(), "{\"tool\":\"probe__echo\",\"arguments\":{}}").statusCode()).isEqualTo(200);
            }
            HttpResponse<String> limited = execute(gw, gw.key(), "{\"tool\":\"probe__echo\",\"arguments\":{}}");
            assertThat(limited.statusCode()).as(limited.body()).isEqualTo(429);
            assertThat(Json.parse(limited.body()).path("error").path("code").asText()).isEqualTo("rate_limited");
            assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);

            for (String bad : new String[] {"[1]", "{\"tool\":3}", "{\"tool\":\"probe__echo\",\"arguments\":[1]}", "{not json"}) {
                HttpResponse<String> r = execute(gw, gw.key(), bad);
                assertThat(r.statusCode()).as(bad + " -> " + r.body()).isEqualTo(400);
                assertThat(Json.parse(r.body()).path("error").path("message").asText()).isNotEmpty();
            }
            assertThat(execute(gw, "wg_nope", "{\"tool\":\"probe__echo\"}").statusCode()).isEqualTo(401);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/mcp/execute"))
                    .header("Authorization", "Bearer " + gw.key()).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(405);

            HttpResponse<String> audit = ReloadIT.get(gw, "/audit?tool=probe__echo", admin);
            JsonNode entries = Json.parse(audit.body()).path("entries");
            assertThat(entries).as(audit.body()).anySatisfy(e -> {
                assertThat(e.path("correlation_id").asText()).isEqualTo(correlation);
                assertThat(e.path("decision").asText()).isEqualTo("allow");
                assertThat(e.path("action").asText()).isEqualTo("tools/call");
            });
            assertThat(entries).anySatisfy(e -> assertThat(e.path("reason").asText()).isEqualTo("rate_limited"));
        }
    }

    static HttpResponse<String> execute(GatewayFixture gw, String key, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/mcp/execute")).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
