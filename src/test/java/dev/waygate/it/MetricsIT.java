package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} counts MCP calls: a real gateway in front of server-everything, driven by the
 * official TypeScript client. Allowed, denied and failed calls land under their own labels, with
 * their time; the journal's group commits and its state are there too; no label carries a tool
 * name or anything else a client chose.
 */
class MetricsIT {
    static GatewayFixture gw;
    static String adminKey;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                policy:
                  rules:
                    - name: no-env
                      tools: [everything__get-env]
                      effect: deny
                    - name: dev-echo
                      roles: [dev]
                      tools: [everything__echo, everything__get-sum]
                      effect: allow
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60));
        adminKey = gw.createKey("prometheus", "admin");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void callsAreCountedByOutcomeWithTheirTime() throws Exception {
        String before = scrape();   // the registry made before any call: meters appear as calls come
        assertThat(before).contains("waygate_audit_available 1.0");

        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"everything__echo","arguments":{"message":"one"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"two"}}
                ,{"op":"callTool","name":"everything__get-sum","arguments":{"a":1,"b":2}}
                ,{"op":"callTool","name":"everything__get-env","arguments":{}}
                ,{"op":"callTool","name":"everything__get-env","arguments":{}}
                ,{"op":"callTool","name":"everything__no-such-tool-AKIAIOSFODNN7EXAMPLE","arguments":{}}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        assertThat(NodeClient.text(out, 0)).contains("one");
        assertThat(out.path("results").get(3).path("ok").asBoolean()).isFalse();

        String text = scrape();
        String allowOk = "{method=\"tools/call\",outcome=\"allow\",result=\"ok\"}";
        assertThat(value(text, "waygate_mcp_calls_total" + allowOk)).isEqualTo(3);
        assertThat(value(text, "waygate_mcp_call_duration_seconds_count" + allowOk)).isEqualTo(3);
        assertThat(value(text, "waygate_mcp_call_duration_seconds_sum" + allowOk)).isPositive();
        assertThat(value(text, "waygate_mcp_call_duration_seconds_bucket" + allowOk.replace("}", ",le=\"+Inf\"}"))).isEqualTo(3);
        assertThat(value(text, "waygate_mcp_call_duration_seconds_bucket" + allowOk.replace("}", ",le=\"60.0\"}")))
                .as("three calls that took less than a minute").isEqualTo(3);
        assertThat(value(text, "waygate_mcp_calls_total{method=\"tools/call\",outcome=\"deny\",result=\"policy_denied\"}"))
                .isEqualTo(2);
        // the unknown tool: counted under the gateway's code for it, not under its name
        assertThat(text).containsPattern("waygate_mcp_calls_total\\{method=\"tools/call\",outcome=\"(deny|error)\",result=\"[a-z_]+\"} 1.0");
        assertThat(text).doesNotContain("everything__").doesNotContain("AKIAIOSFODNN7EXAMPLE");

        assertThat(value(text, "waygate_audit_entries_total")).isGreaterThanOrEqualTo(6);
        double batches = value(text, "waygate_audit_batches_total");
        assertThat(batches).isPositive().isLessThanOrEqualTo(value(text, "waygate_audit_entries_total"));
        assertThat(value(text, "waygate_audit_fsync_seconds_count")).isEqualTo(batches);
        assertThat(value(text, "waygate_audit_available")).isEqualTo(1);
    }

    @Test
    void metricsNeedTheAdminOrMetricsRole() throws Exception {
        assertThat(get("/metrics", gw.key()).statusCode()).isEqualTo(403);
        assertThat(get("/metrics", gw.createKey("scraper", "metrics")).statusCode()).isEqualTo(200);
    }

    static String scrape() throws Exception {
        HttpResponse<String> r = get("/metrics", adminKey);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    static HttpResponse<String> get(String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + path)).header("Authorization", "Bearer " + key).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The sample's value; fails when the series is missing. */
    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in:%n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
