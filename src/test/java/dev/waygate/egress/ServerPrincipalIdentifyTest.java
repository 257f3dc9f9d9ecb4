package dev.waygate.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.auth.AuthResult;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.KeyStore;
import dev.waygate.config.OAuthConfig;
import dev.waygate.auth.Principal;
import dev.waygate.auth.TestIssuer;
import dev.waygate.auth.TokenVerifier;
import dev.waygate.config.GatewayConfig;
import dev.waygate.sandbox.ServerCredentials;
import dev.waygate.store.Database;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The egress proxy's authentication hook (decision 0024): a sandboxed server's minted credential
 * gives {@code server:NAME}; a key or token never does, even a token whose subject is {@code server:NAME};
 * ordinary keys and tokens still work as before.
 */
class ServerPrincipalIdentifyTest {
    @TempDir
    Path dataDir;
    Database db;
    TestIssuer issuer;
    String key;
    Egress egress;

    @BeforeEach
    void open() throws Exception {
        db = Database.open(dataDir);
        KeyStore keys = new KeyStore(db);
        key = keys.create("ci-bot", Set.of("dev"), Optional.empty()).key();
        issuer = new TestIssuer();
        TokenVerifier tokens = new TokenVerifier(OAuthConfig.of(URI.create(issuer.issuer()), Optional.of(issuer.jwksUri()),
                TestIssuer.AUDIENCE));
        Authenticator auth = new Authenticator(GatewayConfig.AuthMode.API_KEY, keys, Optional.of(tokens));
        AuditLog none = new AuditLog() {
            @Override
            public void record(AuditEvent event) {}

            @Override
            public Optional<String> unavailable() {
                return Optional.empty();
            }
        };
        egress = new Egress(new EgressConfig(EgressConfig.DEFAULT_LISTEN, RuleSet.DENY_ALL, EgressConfig.Limits.DEFAULTS, List.of()),
                auth, none, new dev.waygate.metrics.Metrics(), dev.waygate.net.Resolver.SYSTEM);
    }

    @AfterEach
    void close() throws Exception {
        egress.close();
        issuer.close();
        db.close();
    }

    static String basic(String userinfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userinfo.getBytes(StandardCharsets.UTF_8));
    }

    Optional<String> who(String header) {
        AuthResult r = egress.identify(header, InetAddress.getLoopbackAddress());
        return r.principal().map(Principal::name);
    }

    @Test
    void aServerCredentialGivesItsServerPrincipalAndKeysAndTokensKeepTheirs() {
        try (ServerCredentials.Credential c = ServerCredentials.mint("github")) {
            assertThat(who(basic(c.userinfo()))).contains("server:github");
            assertThat(who(basic("ci-bot:" + key))).contains("ci-bot");
            assertThat(who(basic("x:" + issuer.rs256(issuer.claims().build())))).contains("alice");
            assertThat(who(basic("other:" + c.userinfo().substring("github:".length())))).isEmpty();
        }
    }

    @Test
    void aTokenWhoseSubjectNamesAServerIsRefused() {
        try (ServerCredentials.Credential c = ServerCredentials.mint("github")) {
            String posing = issuer.rs256(issuer.claims().subject("server:github").build());
            AuthResult r = egress.identify(basic("github:" + posing), InetAddress.getLoopbackAddress());
            assertThat(r.principal()).isEmpty();
            assertThat(r.rejection()).isPresent();
            // the same token with an ordinary subject passes: it is the name that is refused
            assertThat(who(basic("github:" + issuer.rs256(issuer.claims().subject("github").build())))).contains("github");
        }
    }

    @Test
    void theCheckWithoutBlockingAnswersOnlyWhatTheFullCheckWouldAndNeverForATokenPosingAsAServer() {
        try (ServerCredentials.Credential c = ServerCredentials.mint("github")) {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            assertThat(egress.identifyCached(basic(c.userinfo()), loopback)).map(Principal::name).contains("server:github");
            assertThat(who(basic("ci-bot:" + key))).contains("ci-bot");   // the full check caches the key
            assertThat(egress.identifyCached(basic("ci-bot:" + key), loopback)).map(Principal::name).contains("ci-bot");
            String wrong = key.substring(0, key.length() - 1) + (key.endsWith("0") ? "1" : "0");
            assertThat(egress.identifyCached(basic("ci-bot:" + wrong), loopback)).isEmpty();
            String posing = issuer.rs256(issuer.claims().subject("server:github").build());
            assertThat(egress.identifyCached(basic("github:" + posing), loopback)).as("tokens take the full check").isEmpty();
            assertThat(egress.identifyCached(null, loopback)).as("no source principal configured").isEmpty();
        }
    }
}
