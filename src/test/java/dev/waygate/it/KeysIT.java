package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Key lifecycle through the admin REST API of a running gateway, checked with real MCP requests. */
class KeysIT {
    static GatewayFixture gw;
    static String admin;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60));
        admin = gw.createKey("root", "admin");
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    static HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.base() + path)).header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Whether the key opens an MCP session (initialize answered 200). */
    static boolean works(String key) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(gw.mcpUrl()))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
                         "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""")).build();
        int status = HTTP.send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
        assertThat(status).isIn(200, 401);
        return status == 200;
    }

    @Test
    void onlyAdminsManageKeys() throws Exception {
        HttpResponse<String> r = send("GET", "/keys", gw.key(), null);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(send("POST", "/keys", gw.key(), "{\"name\":\"x\"}").statusCode()).isEqualTo(403);
    }

    @Test
    void createUseRevoke() throws Exception {
        HttpResponse<String> created = send("POST", "/keys", admin, "{\"name\":\"ci-bot\",\"roles\":[\"ci\"],\"expires_in\":\"1d\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode c = Json.parse(created.body());
        String key = c.path("key").asText();
        assertThat(key).matches("wg_[a-z0-9]{10}_[A-Za-z0-9_-]{43}").startsWith(c.path("prefix").asText());
        assertThat(works(key)).isTrue();

        JsonNode listed = find(Json.parse(send("GET", "/keys", admin, null).body()).path("keys"), c.path("id").asText());
        assertThat(listed.path("name").asText()).isEqualTo("ci-bot");
        assertThat(listed.path("state").asText()).isEqualTo("active");
        assertThat(listed.has("expires_at")).isTrue();
        assertThat(listed.toString()).doesNotContain(key.substring(14));

        assertThat(send("POST", "/keys/" + c.path("prefix").asText() + "/revoke", admin, null).statusCode()).isEqualTo(200);
        assertThat(works(key)).as("a revoked key is refused on its very next request").isFalse();
        assertThat(send("POST", "/keys/" + c.path("id").asText() + "/revoke", admin, null).statusCode()).isEqualTo(404);

        String audited = send("GET", "/audit?principal=root&limit=1000", admin, null).body();
        JsonNode entries = Json.parse(audited).path("entries");
        java.util.List<String> actions = new java.util.ArrayList<>();
        for (JsonNode e : entries) {
            if (e.path("target").asText().equals(c.path("prefix").asText())) {
                actions.add(e.path("action").asText());
            }
        }
        assertThat(actions).as("key lifecycle in the audit log: %s", audited).contains("key.create", "key.revoke");
        assertThat(audited).as("the audit log never holds the key").doesNotContain(key.substring(14));
    }

    @Test
    void rotationKeepsTheOldKeyDuringTheGracePeriodOnly() throws Exception {
        String old = gw.createKey("agent", "dev");
        String oldId = old.substring(3, 13);
        JsonNode rotated = Json.parse(send("POST", "/keys/" + oldId + "/rotate", admin, "{\"grace\":\"1h\"}").body());
        String fresh = rotated.path("key").asText();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(works(fresh)).isTrue();
        assertThat(works(old)).as("old key within grace").isTrue();

        JsonNode again = Json.parse(send("POST", "/keys/" + fresh.substring(3, 13) + "/rotate", admin, "{\"grace\":\"0s\"}").body());
        assertThat(works(again.path("key").asText())).isTrue();
        assertThat(works(fresh)).as("grace 0: the rotated key stops at once").isFalse();
    }

    @Test
    void badRequestsAreClearErrors() throws Exception {
        assertThat(send("POST", "/keys", admin, "{\"name\":\"bad name!\"}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/keys", admin, "{\"name\":\"ok\",\"roles\":[\"a,b\"]}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/keys", admin, "{\"name\":\"ok\",\"expires_in\":\"soon\"}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/keys", admin, "not json").statusCode()).isEqualTo(400);
        assertThat(send("DELETE", "/keys", admin, null).statusCode()).isEqualTo(405);
        assertThat(send("POST", "/keys/nosuchkey1/rotate", admin, null).statusCode()).isEqualTo(404);
    }

    @Test
    void theFirstStartCreatesAnAdminKeyAndShowsItOnce(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("waygate.yaml"),
                "version: 1\nlisten: 127.0.0.1:0\ndata_dir: data\n");
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        dev.waygate.Gateway first;
        try {
            first = new dev.waygate.Gateway(dev.waygate.config.ConfigLoader.load(file));
        } finally {
            System.setErr(err);
        }
        String printed = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("wg_[a-z0-9]{10}_[A-Za-z0-9_-]{43}").matcher(printed);
        assertThat(m.find()).as("printed: %s", printed).isTrue();
        String key = m.group();
        first.start();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port() + "/keys"))
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Json.parse(r.body()).path("keys").get(0).path("roles").toString()).contains("admin");
        } finally {
            first.close();
        }
        System.setErr(new java.io.PrintStream(captured = new java.io.ByteArrayOutputStream(), true));
        try {
            new dev.waygate.Gateway(dev.waygate.config.ConfigLoader.load(file)).close();
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString()).as("the second start shows no key").doesNotContain("wg_");
    }

    private static JsonNode find(JsonNode array, String id) {
        for (JsonNode n : array) {
            if (n.path("id").asText().equals(id)) {
                return n;
            }
        }
        throw new AssertionError(id + " not in " + array);
    }
}
