package dev.waygate.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.config.GatewayConfig;
import dev.waygate.store.Database;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Credentials from request headers. In the table, {@code KEY} stands for a valid key, {@code BASIC}
 * for {@code base64("user:" + KEY)}, and an empty cell for an absent header.
 */
class AuthenticatorTest {
    @TempDir
    Path dataDir;
    Database db;
    KeyStore keys;
    String key;

    @BeforeEach
    void open() {
        db = Database.open(dataDir);
        keys = new KeyStore(db);
        key = keys.create("ci-bot", Set.of("dev"), Optional.empty()).key();
    }

    @AfterEach
    void close() {
        db.close();
    }

    @ParameterizedTest(name = "Authorization [{0}] X-Waygate-API-Key [{1}] -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # Authorization: Bearer, scheme case-insensitive (RFC 9110 11.1), surrounding spaces ignored
            Bearer KEY                  |                 | true
            bearer KEY                  |                 | true
            BEARER KEY                  |                 | true
            bEaReR KEY                  |                 | true
            "Bearer    KEY   "          |                 | true
            # other schemes and malformed values
            Basic BASIC                 |                 | false
            Basic KEY                   |                 | false
            Token KEY                   |                 | false
            Digest KEY                  |                 | false
            KEY                         |                 | false
            BearerKEY                   |                 | false
            Bearer                      |                 | false
            "Bearer "                   |                 | false
            Bearer Bearer KEY           |                 | false
            Bearer KEY KEY              |                 | false
            Bearer KEY,Bearer KEY       |                 | false
            "Bearer ' OR 1=1 --"        |                 | false
            # X-Waygate-API-Key: the raw key
                                        | KEY             | true
                                        | "  KEY  "       | true
                                        | Bearer KEY      | false
                                        | "' OR 1=1 --"   | false
            # both headers: the API key header decides; no fallback from a bad one
            Bearer wg_bad               | KEY             | true
            Bearer KEY                  | wg_bad          | false
            Bearer KEY                  | "   "           | true
            # neither
                                        |                 | false
            """)
    void headerVariants(String authorization, String apiKeyHeader, boolean authenticated) {
        Authenticator auth = new Authenticator(GatewayConfig.AuthMode.API_KEY, keys);

        Optional<Principal> p = auth.authenticate(expand(authorization), expand(apiKeyHeader));

        assertThat(p.isPresent()).isEqualTo(authenticated);
        p.ifPresent(principal -> assertThat(principal.name()).isEqualTo("ci-bot"));
    }

    @Test
    void aRevokedKeyIsRefusedByTheVeryNextAuthentication() {
        Authenticator auth = new Authenticator(GatewayConfig.AuthMode.API_KEY, keys);
        assertThat(auth.authenticate("Bearer " + key, null)).isPresent();

        keys.revoke(key);

        assertThat(auth.authenticate("Bearer " + key, null)).isEmpty();
        assertThat(auth.authenticateKey(key)).isEmpty();
    }

    @Test
    void authenticateKeyTakesTheRawKey() {
        Authenticator auth = new Authenticator(GatewayConfig.AuthMode.API_KEY, keys);

        assertThat(auth.authenticateKey(key)).map(Principal::roles).contains(Set.of("dev"));
        assertThat(auth.authenticateKey("Bearer " + key)).isEmpty();
        assertThat(auth.authenticateKey(null)).isEmpty();
    }

    @Test
    void apiKeyModeRequiresAuthentication() {
        assertThat(new Authenticator(GatewayConfig.AuthMode.API_KEY, keys).required()).isTrue();
    }

    @Test
    void authNoneYieldsTheAnonymousPrincipalWhateverIsSent() {
        Authenticator auth = new Authenticator(GatewayConfig.AuthMode.NONE, keys);

        assertThat(auth.required()).isFalse();
        assertThat(auth.authenticate(null, null)).contains(Principal.ANONYMOUS);
        assertThat(auth.authenticate("Basic garbage", "' OR 1=1 --")).contains(Principal.ANONYMOUS);
        assertThat(auth.authenticate("Bearer " + key, null)).as("not the key's principal").contains(Principal.ANONYMOUS);
        assertThat(Principal.ANONYMOUS.roles()).isEmpty();
    }

    @Test
    void withOauthABearerValueIsAKeyWhenItLooksLikeOneAndAJwtOtherwise() throws Exception {
        try (TestIssuer issuer = new TestIssuer()) {
            TokenVerifier tokens = new TokenVerifier(dev.waygate.config.OAuthConfig.of(java.net.URI.create(issuer.issuer()),
                    Optional.of(issuer.jwksUri()), TestIssuer.AUDIENCE));
            Authenticator auth = new Authenticator(GatewayConfig.AuthMode.API_KEY, keys, Optional.of(tokens));
            String jwt = issuer.rs256(issuer.claims().build());

            assertThat(auth.acceptsTokens()).isTrue();
            assertThat(auth.check("Bearer " + key, null).principal()).map(Principal::name).contains("ci-bot");
            assertThat(auth.check("Bearer " + jwt, null).principal()).map(Principal::name).contains("alice");
            assertThat(auth.check("Bearer wg_forged_" + "A".repeat(43), null).rejection()).contains(Rejection.BAD_API_KEY);
            assertThat(auth.check("Bearer garbage", null).rejection()).contains(Rejection.MALFORMED);
            assertThat(auth.check(null, jwt).rejection()).as("X-Waygate-API-Key carries keys only").contains(Rejection.BAD_API_KEY);
            assertThat(auth.check(null, null)).isEqualTo(AuthResult.NO_CREDENTIALS);
            assertThat(auth.check("Bearer ", null)).isEqualTo(AuthResult.NO_CREDENTIALS);
            assertThat(auth.checkCredential(jwt).principal()).as("stdio's WAYGATE_API_KEY may hold a JWT")
                    .map(Principal::keyId).contains("jwt:rsa-1");
            assertThat(auth.checkCredential(key).principal()).map(Principal::name).contains("ci-bot");
        }
    }

    @Test
    void withoutOauthAJwtIsJustAnUnknownKey() throws Exception {
        try (TestIssuer issuer = new TestIssuer()) {
            Authenticator auth = new Authenticator(GatewayConfig.AuthMode.API_KEY, keys);

            assertThat(auth.check("Bearer " + issuer.rs256(issuer.claims().build()), null).rejection()).contains(Rejection.BAD_API_KEY);
            assertThat(auth.acceptsTokens()).isFalse();
        }
    }

    private String expand(String cell) {
        if (cell == null) {
            return null;
        }
        String basic = Base64.getEncoder().encodeToString(("user:" + key).getBytes(StandardCharsets.UTF_8));
        return cell.replace("KEY", key).replace("BASIC", basic);
    }
}
