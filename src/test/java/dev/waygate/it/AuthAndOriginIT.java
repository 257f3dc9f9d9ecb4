package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nothing is served without a valid key (401 with a JSON error and WWW-Authenticate) on /mcp, /sse
 * and /message; and a browser Origin that is neither loopback nor allowed is refused with 403 even
 * with a valid key (DNS-rebinding protection), before authentication.
 */
class AuthAndOriginIT {
    static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                allowed_origins: ["https://app.example.com"]
                servers:
                  probe: { command: node, args: ["%s"] }
                """.formatted(GatewayFixture.probe()));
        gw.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    /** No credential at all: 401, code unauthenticated, a plain Bearer challenge. */
    static void assertUnauthenticated(HttpResponse<String> r) throws Exception {
        assert401(r, "unauthenticated");
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).doesNotContain("error=");
    }

    /** A credential was presented and refused: 401, code invalid_api_key, the challenge says invalid_token (RFC 6750). */
    static void assertRejected(HttpResponse<String> r) throws Exception {
        assert401(r, "invalid_api_key");
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).contains("error=\"invalid_token\"");
    }

    private static void assert401(HttpResponse<String> r, String code) throws Exception {
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("error").path("code").asText()).isEqualTo(code);
        assertThat(body.path("error").path("message").asText()).isNotEmpty();
    }

    static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Accept", "text/event-stream").GET();
        headers.forEach(b::header);
        return new McpHttp(url, null).send(b.build());
    }

    @Test
    void mcpWithoutOrWithAWrongKeyIs401() throws Exception {
        assertUnauthenticated(new McpHttp(gw.mcpUrl(), null).post(INIT, Map.of()));
        assertRejected(new McpHttp(gw.mcpUrl(), "wg_" + "A".repeat(43)).post(INIT, Map.of()));
        assertRejected(new McpHttp(gw.mcpUrl(), null).post(INIT, Map.of("X-Waygate-API-Key", "not-a-key")));
        assertUnauthenticated(new McpHttp(gw.mcpUrl(), null).post(INIT, Map.of("Authorization", "Basic " + gw.key())));
    }

    @Test
    void eitherHeaderCarriesAValidKey() throws Exception {
        assertThat(new McpHttp(gw.mcpUrl(), gw.key()).post(INIT, Map.of()).statusCode()).isEqualTo(200);
        assertThat(new McpHttp(gw.mcpUrl(), null).post(INIT, Map.of("X-Waygate-API-Key", gw.key())).statusCode()).isEqualTo(200);
    }

    @Test
    void theMcpGetStreamAndDeleteNeedAKeyToo() throws Exception {
        assertUnauthenticated(get(gw.mcpUrl(), Map.of("Mcp-Session-Id", "x")));
        HttpRequest delete = HttpRequest.newBuilder(URI.create(gw.mcpUrl())).header("Mcp-Session-Id", "x").DELETE().build();
        assertUnauthenticated(new McpHttp(gw.mcpUrl(), null).send(delete));
    }

    @Test
    void legacySseWithoutOrWithAWrongKeyIs401() throws Exception {
        assertUnauthenticated(get(gw.sseUrl(), Map.of()));
        assertRejected(get(gw.sseUrl(), Map.of("Authorization", "Bearer wrong")));
        try (McpHttp.LegacySse sse = new McpHttp(gw.mcpUrl(), gw.key()).openSse(gw.sseUrl())) {
            assertUnauthenticated(new McpHttp(sse.messageUrl(), null).post(INIT, Map.of()));
        }
    }

    @Test
    void theOfficialClientIsTurnedAwayWith401() throws Exception {
        for (List<String> args : List.of(
                List.of("--transport", "http", "--url", gw.mcpUrl()),
                List.of("--transport", "sse", "--url", gw.sseUrl()),
                NodeClient.httpArgs(gw.mcpUrl(), "wg_wrong"))) {
            JsonNode out = NodeClient.run(args, "[{\"op\":\"listTools\"}]");
            assertThat(out.path("connected").asBoolean()).as("%s", out).isFalse();
            assertThat(out.toString()).contains("401");
        }
    }

    @Test
    void aForeignOriginIs403EvenWithAValidKey() throws Exception {
        McpHttp withKey = new McpHttp(gw.mcpUrl(), gw.key());
        HttpResponse<String> r = withKey.post(INIT, Map.of("Origin", "http://evil.example.com"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("forbidden_origin");
        assertThat(get(gw.sseUrl(), Map.of("Authorization", "Bearer " + gw.key(), "Origin", "http://evil.example.com"))
                .statusCode()).isEqualTo(403);
        assertThat(new McpHttp(gw.mcpUrl(), null).post(INIT, Map.of("Origin", "http://evil.example.com")).statusCode())
                .as("the origin is checked before the key").isEqualTo(403);
        assertThat(withKey.post(INIT, Map.of("Origin", "http://127.0.0.1.evil.example.com")).statusCode()).isEqualTo(403);
        assertThat(withKey.post(INIT, Map.of("Origin", "null")).statusCode()).isEqualTo(403);
    }

    /** The other half of DNS-rebinding protection: a rebound name arrives as the Host header (HttpClient cannot set Host). */
    @Test
    void aForeignHostIs403EvenWithAValidKey() throws Exception {
        assertThat(statusWithHost("evil.example.com:" + gw.gateway().port())).isEqualTo(403);
        assertThat(statusWithHost("127.0.0.1.nip.io")).isEqualTo(403);
        assertThat(statusWithHost("localhost:" + gw.gateway().port())).isEqualTo(200);
        assertThat(statusWithHost("127.0.0.1:" + gw.gateway().port())).isEqualTo(200);
    }

    static int statusWithHost(String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.gateway().port())) {
            s.setSoTimeout(10_000);
            byte[] body = INIT.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String head = "POST /mcp HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + gw.key()
                    + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream())).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void loopbackAndAllowedOriginsAreAccepted() throws Exception {
        McpHttp withKey = new McpHttp(gw.mcpUrl(), gw.key());
        assertThat(withKey.post(INIT, Map.of("Origin", "http://localhost:5173")).statusCode()).isEqualTo(200);
        assertThat(withKey.post(INIT, Map.of("Origin", "http://127.0.0.1:8080")).statusCode()).isEqualTo(200);
        assertThat(withKey.post(INIT, Map.of("Origin", "https://app.example.com")).statusCode()).isEqualTo(200);
    }
}
