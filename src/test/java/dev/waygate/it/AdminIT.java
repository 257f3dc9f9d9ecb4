package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, readiness and the read-only admin views, with a real upstream and one that cannot start. */
class AdminIT {
    static GatewayFixture gw;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                  broken: { command: /nonexistent/mcp-server, required: false }
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    static HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.base() + path));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthAndReadyNeedNoKey() throws Exception {
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/ready", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(Json.parse(ready.body()).path("ready").asBoolean()).isTrue();
    }

    @Test
    void adminViewsNeedAKey() throws Exception {
        for (String path : List.of("/mcp/status", "/mcp/servers", "/mcp/tools")) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("unauthenticated");
            assertThat(get(path, "wg_aaaaaaaaaa_" + "A".repeat(43)).statusCode()).as(path).isEqualTo(401);
        }
    }

    @Test
    void serversShowStateAndWhyABrokenOneIsDown() throws Exception {
        JsonNode servers = Json.parse(get("/mcp/servers", gw.key()).body()).path("servers");
        JsonNode everything = find(servers, "everything");
        assertThat(everything.path("state").asText()).isEqualTo("ready");
        assertThat(everything.path("tools").asInt()).isGreaterThan(10);
        assertThat(everything.path("server_info").path("name").asText()).isEqualTo("mcp-servers/everything");
        JsonNode broken = find(servers, "broken");
        assertThat(broken.path("state").asText()).isIn("starting", "backoff", "unhealthy"); // unhealthy: circuit open after 5 failures
        assertThat(broken.path("last_error").asText()).containsIgnoringCase("nonexistent");
    }

    @Test
    void toolsAndStatus() throws Exception {
        JsonNode tools = Json.parse(get("/mcp/tools", gw.key()).body()).path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).contains("everything__echo").isSorted();
        assertThat(find(tools, "everything__echo").path("server").asText()).isEqualTo("everything");
        JsonNode status = Json.parse(get("/mcp/status", gw.key()).body());
        assertThat(status.path("servers").path("total").asInt()).isEqualTo(2);
        assertThat(status.path("servers").path("ready").asInt()).isEqualTo(1);
        assertThat(status.path("tools").asInt()).isEqualTo(names.size());
    }

    private static JsonNode find(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + array);
    }
}
