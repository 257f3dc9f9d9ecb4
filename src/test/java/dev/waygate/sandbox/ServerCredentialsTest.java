package dev.waygate.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A server's egress credential: proves server:NAME for that name only, while it lives; nothing else does. */
class ServerCredentialsTest {
    static String basic(String userinfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userinfo.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aMintedCredentialProvesItsServerUntilRevoked() {
        ServerCredentials.Credential c = ServerCredentials.mint("github");
        String secret = c.userinfo().substring("github:".length());
        assertThat(secret).hasSize(ServerCredentials.SECRET_CHARS).matches("[A-Za-z0-9_-]+");
        Optional<Principal> p = ServerCredentials.fromProxyAuthorization(basic(c.userinfo()));
        assertThat(p).map(Principal::name).contains("server:github");
        assertThat(p.orElseThrow().roles()).containsExactly(ServerCredentials.ROLE);
        assertThat(c.toString()).doesNotContain(secret);
        assertThat(c.redact("proxy is http://" + c.userinfo() + "@127.0.0.1:3128")).doesNotContain(secret).contains("[redacted]");

        c.close();
        assertThat(ServerCredentials.fromProxyAuthorization(basic(c.userinfo()))).isEmpty();
    }

    @Test
    void attacksAreRefusedAndOrdinaryCredentialsPassThrough() {
        try (ServerCredentials.Credential a = ServerCredentials.mint("a"); ServerCredentials.Credential b = ServerCredentials.mint("b")) {
            String secretA = a.userinfo().substring(2);
            for (String header : List.of(
                    basic("b:" + secretA),                      // another server's name with a's secret
                    basic("server:a:" + secretA),               // the principal's name as user
                    basic("a:" + secretA.toUpperCase()),        // a near miss
                    basic("a:" + "A".repeat(43)),               // a guess of the right shape
                    basic(":" + secretA),                       // no user
                    basic("a:"),                                // no secret
                    basic(secretA),                             // secret as user, no password
                    "Bearer " + secretA,                        // another scheme
                    "Basic !!!not-base64",
                    basic("tester:wg_abcdefghij_" + "x".repeat(43)))) {   // an API key: not ours to judge
                assertThat(ServerCredentials.fromProxyAuthorization(header)).as(header).isEmpty();
            }
            assertThat(ServerCredentials.fromProxyAuthorization("basic " + basic(b.userinfo()).substring(6)))
                    .map(Principal::name).contains("server:b");
        }
    }

    @Test
    void twoStartsOfOneServerHaveDifferentCredentials() {
        try (ServerCredentials.Credential one = ServerCredentials.mint("s"); ServerCredentials.Credential two = ServerCredentials.mint("s")) {
            assertThat(one.userinfo()).isNotEqualTo(two.userinfo());
            one.close();
            assertThat(ServerCredentials.fromProxyAuthorization(basic(two.userinfo()))).isPresent();
            assertThat(ServerCredentials.fromProxyAuthorization(basic(one.userinfo()))).isEmpty();
        }
    }
}
