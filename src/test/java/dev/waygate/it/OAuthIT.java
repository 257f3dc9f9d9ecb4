package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.waygate.auth.TestIssuer;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gateway as an OAuth 2.1 resource server: a real JWKS endpoint on loopback, tokens minted by
 * the test, the official TypeScript client presenting them, policy applied by the token's roles.
 */
class OAuthIT {
    static final String METADATA = "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static TestIssuer issuer;
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        issuer = new TestIssuer();
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                oauth:
                  issuer: %s
                  audience: %s
                  scopes_supported: [mcp:tools]
                policy:
                  rules:
                    - name: devs-echo
                      roles: [dev]
                      tools: [everything__echo]
                      effect: allow
                """.formatted(GatewayFixture.everything(), issuer.issuer(), TestIssuer.AUDIENCE));
        gw.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        issuer.close();
    }

    static HttpResponse<String> initialize(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.mcpUrl()))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
                         "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"""));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path, String host) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.base() + path));
        if (host != null) {
            b.setHeader("Origin", host);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void protectedResourceMetadataIsPublicAtBothWellKnownPaths() throws Exception {
        for (String path : List.of("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp")) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
            JsonNode doc = Json.parse(r.body());
            assertThat(doc.path("resource").asText()).isEqualTo(TestIssuer.AUDIENCE);
            assertThat(doc.path("authorization_servers")).hasSize(1);
            assertThat(doc.path("authorization_servers").get(0).asText()).isEqualTo(issuer.issuer());
            assertThat(doc.path("bearer_methods_supported").toString()).isEqualTo("[\"header\"]");
            assertThat(doc.path("scopes_supported").toString()).isEqualTo("[\"mcp:tools\"]");
        }
        assertThat(get("/.well-known/oauth-protected-resource/other", null).statusCode()).isEqualTo(404);
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/.well-known/oauth-protected-resource"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void theMetadataIsStillDnsRebindingChecked() throws Exception {
        assertThat(get("/.well-known/oauth-protected-resource", "http://evil.example.com").statusCode()).isEqualTo(403);
    }

    @Test
    void withoutATokenThe401PointsAtTheMetadataWithoutAnError() throws Exception {
        HttpResponse<String> r = initialize(null);

        assertThat(r.statusCode()).isEqualTo(401);
        String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).startsWith("Bearer ").contains("resource_metadata=\"" + METADATA + "\"").doesNotContain("error=");
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("unauthenticated");
    }

    static Stream<Arguments> hostile() throws Exception {
        Instant now = Instant.now();
        String valid = issuer.rs256(issuer.claims().build());
        String[] parts = valid.split("\\.");
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), issuer.claims().build());
        hs.sign(new MACSigner(issuer.rsa.toRSAPublicKey().getEncoded()));
        String forgedPayload = com.nimbusds.jose.util.Base64URL.encode(issuer.claims().subject("admin")
                .claim("roles", List.of("admin")).build().toString()).toString();
        return Stream.of(
                Arguments.of("forged signature", parts[0] + "." + forgedPayload + "." + parts[2], "token_bad_signature"),
                Arguments.of("key from another JWKS", TestIssuer.sign(TestIssuer.rsaKey("rsa-1"), issuer.claims().build()), "token_bad_signature"),
                Arguments.of("alg none", new PlainJWT(issuer.claims().build()).serialize(), "token_algorithm_not_allowed"),
                Arguments.of("HS256 with the public key", hs.serialize(), "token_algorithm_not_allowed"),
                Arguments.of("expired", issuer.rs256(b -> b.expirationTime(Date.from(now.minusSeconds(600)))), "token_expired"),
                Arguments.of("not yet valid", issuer.rs256(b -> b.notBeforeTime(Date.from(now.plusSeconds(600)))), "token_not_yet_valid"),
                Arguments.of("wrong issuer", issuer.rs256(b -> b.issuer("https://evil.example")), "token_wrong_issuer"),
                Arguments.of("token for another service", issuer.rs256(b -> b.audience("https://api.example.com")), "token_wrong_audience"),
                Arguments.of("no audience", issuer.rs256(b -> b.audience((String) null)), "token_wrong_audience"),
                Arguments.of("unknown kid", TestIssuer.sign(TestIssuer.rsaKey("rsa-9"), issuer.claims().build()), "token_unknown_key"),
                Arguments.of("garbage", "garbage-token", "token_malformed"),
                Arguments.of("two segments", parts[0] + "." + parts[1], "token_malformed"),
                Arguments.of("large", parts[0] + "." + "A".repeat(7000) + "." + parts[2], "token_malformed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileTokensGet401WithInvalidTokenAndTheMetadata(String name, String token, String code) throws Exception {
        HttpResponse<String> r = initialize("Bearer " + token);

        assertThat(r.statusCode()).isEqualTo(401);
        String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).contains("resource_metadata=\"" + METADATA + "\"", "error=\"invalid_token\"", "error_description=\"");
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo(code);
        assertThat(r.body() + challenge).doesNotContain(token).doesNotContain(issuer.issuer());
    }

    @Test
    void aTokenLargerThanTheHeaderLimitIsRefusedBeforeAuthentication() throws Exception {
        assertThat(initialize("Bearer " + "A".repeat(20_000)).statusCode()).isEqualTo(431);
    }

    @Test
    void theOfficialClientWithAValidTokenGetsWhatItsRolesAllow() throws Exception {
        String dev = issuer.rs256(issuer.claims().build());
        JsonNode out = NodeClient.http(gw.mcpUrl(), dev, """
                [{"op":"listTools"},
                 {"op":"callTool","name":"everything__echo","arguments":{"message":"via jwt"}},
                 {"op":"callTool","name":"everything__get-sum","arguments":{"a":1,"b":2}}]""");

        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        assertThat(NodeClient.result(out, 0).path("tools").findValuesAsText("name")).containsExactly("everything__echo");
        assertThat(NodeClient.result(out, 1).path("content").get(0).path("text").asText()).isEqualTo("Echo: via jwt");
        assertThat(out.path("results").get(2).path("ok").asBoolean()).isFalse();
        assertThat(out.path("results").get(2).toString()).contains("-32034");
    }

    @Test
    void anEs256TokenWithoutTheRoleIsDeniedByPolicy() throws Exception {
        String guest = issuer.es256(issuer.claims().subject("guest").claim("roles", List.of("guest")).build());
        JsonNode out = NodeClient.http(gw.mcpUrl(), guest, """
                [{"op":"callTool","name":"everything__echo","arguments":{"message":"no"}}]""");

        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();
        assertThat(out.path("results").get(0).path("ok").asBoolean()).isFalse();
        assertThat(out.path("results").get(0).toString()).contains("-32034");
    }

    @Test
    void theClientsTokenNeverReachesARemoteUpstream() throws Exception {
        // The upstream's own credential comes from a file, as decision 0010 asks of every secret.
        Path secret = Files.createTempFile("upstream-credential", "", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secret, "own-secret\n");
        secret.toFile().deleteOnExit();
        try (RecordingUpstream upstream = new RecordingUpstream();
             GatewayFixture g = GatewayFixture.start("""
                     servers:
                       rec: { url: "%s", headers: { X-Upstream-Credential: "${file:%s}" } }
                     oauth:
                       issuer: %s
                       audience: %s
                     """.formatted(upstream.url(), secret, issuer.issuer(), TestIssuer.AUDIENCE))) {
            g.awaitReady(Duration.ofSeconds(30));
            String token = issuer.rs256(issuer.claims().build());

            JsonNode out = NodeClient.http(g.mcpUrl(), token, """
                    [{"op":"callTool","name":"rec__whoami","arguments":{}}]""");

            assertThat(NodeClient.result(out, 0).path("content").get(0).path("text").asText()).isEqualTo("ok");
            assertThat(upstream.seen).extracting(RecordingUpstream.Seen::rpcMethod).contains("initialize", "tools/call");
            for (RecordingUpstream.Seen s : upstream.seen) {
                assertThat(s.headers().keySet()).as("%s %s", s.httpMethod(), s.rpcMethod())
                        .noneMatch(h -> h.equalsIgnoreCase("Authorization"));
                assertThat(s.headers().toString()).doesNotContain(token).doesNotContain(token.split("\\.")[2]);
                if (s.httpMethod().equals("POST")) {
                    assertThat(s.headers().get("X-upstream-credential")).as("the upstream's own credential")
                            .containsExactly("own-secret");
                }
            }
        }
    }
}
