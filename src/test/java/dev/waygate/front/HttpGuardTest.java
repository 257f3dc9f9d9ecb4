package dev.waygate.front;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.auth.Authenticator;
import dev.waygate.auth.KeyStore;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.HostPort;
import dev.waygate.store.Database;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DNS-rebinding protection: a web page on evil.example that makes its name resolve to 127.0.0.1
 * reaches the loopback listener with its own Host and Origin, and must be refused.
 */
class HttpGuardTest {
    @TempDir
    Path dataDir;
    Database db;
    Authenticator auth;

    @BeforeEach
    void open() {
        db = Database.open(dataDir);
        auth = new Authenticator(GatewayConfig.AuthMode.API_KEY, new KeyStore(db));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example.com", "evil.example.com:8080", "127.0.0.1.evil.com", "127.0.0.1.evil.com:8080",
            "localhost.evil.com", "localhost.evil.com:8080", "evil.com:localhost", "localhost@evil.com",
            "evil.com#localhost", "", " ", ":8080", "0.0.0.0:8080", "127.0.0.1.nip.io",
            "[::ffff:127.0.0.1]:8080", "localhost.:8080", "loca\u0142host", "localhost\u0000.evil.com",
            "xn--localhost-.evil.com", "[evil.com]"})
    @NullSource
    void attackHostsAreRefusedOnALoopbackListener(String host) {
        assertThat(guard(List.of()).hostAllowed(host)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:8080", "LOCALHOST", "LocalHost:80", "127.0.0.1", "127.0.0.1:1234",
            "[::1]", "[::1]:80", " localhost:8080 "})
    void loopbackHostsAreAllowed(String host) {
        assertThat(guard(List.of()).hostAllowed(host)).isTrue();
    }

    @Test
    void aListenerOnAPublicAddressDoesNotCheckHost() {
        HttpGuard g = new HttpGuard(config(new HostPort("0.0.0.0", 8080), List.of()), auth);

        assertThat(g.hostAllowed("mcp.example.com")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "http://evil.example.com", "https://evil.example.com:8443", "file://", "file:///etc/passwd",
            "http://127.0.0.1.nip.io", "http://localhost.evil.com", "http://localhost@evil.com",
            "http://evil.com#@localhost", "http://evil.com\\@localhost", "ftp://localhost", "ws://localhost:8080",
            "chrome-extension://abcdefghijklmnop", "moz-extension://1234", "", " ", "http://", "localhost",
            "//localhost", "http://0.0.0.0:8080", "http://0x7f000001", "http://2130706433", "http://127.1",
            "http://[::ffff:127.0.0.1]", "http://localhost./", "http://evil.com/http://localhost", "data:text/html,x",
            "javascript:alert(1)", "http://loca%6Chost", "http://ｌocalhost", "http://localhost\u0000.evil.com",
            "HTTP://evil.example.com"})
    void attackOriginsAreRefused(String origin) {
        assertThat(guard(List.of()).originAllowed(origin)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:3000", "http://localhost", "http://127.0.0.1:8080", "https://127.0.0.1",
            "https://[::1]", "http://[::1]:8080", "http://LOCALHOST:3000"})
    @NullSource
    void loopbackOriginsAndRequestsWithoutOriginAreAllowed(String origin) {
        assertThat(guard(List.of()).originAllowed(origin)).isTrue();
    }

    @Test
    void anOriginInAllowedOriginsIsAllowedExactly() {
        HttpGuard g = guard(List.of("https://app.example.com", "http://intranet:8080"));

        assertThat(g.originAllowed("https://app.example.com")).isTrue();
        assertThat(g.originAllowed("http://intranet:8080")).isTrue();
        assertThat(g.originAllowed("http://app.example.com")).as("other scheme").isFalse();
        assertThat(g.originAllowed("https://app.example.com.evil.com")).as("suffix").isFalse();
        assertThat(g.originAllowed("https://evil-app.example.com")).isFalse();
        assertThat(g.originAllowed("https://app.example.com:8443")).as("other port").isFalse();
        assertThat(g.originAllowed("http://intranet")).as("default port is another origin").isFalse();
        assertThat(g.originAllowed("https://evil.example.com")).isFalse();
    }

    @Test
    void aWildcardInAllowedOriginsAllowsEveryOrigin() {
        assertThat(guard(List.of("*")).originAllowed("https://evil.example.com")).isTrue();
    }

    @Test
    void withoutOauthTheChallengeNamesTheRealmOnly() {
        HttpGuard g = guard(List.of());

        assertThat(g.challenge(java.util.Optional.empty())).isEqualTo("Bearer realm=\"waygate\"");
        assertThat(g.challenge(java.util.Optional.of(dev.waygate.auth.Rejection.BAD_API_KEY))).isEqualTo(
                "Bearer realm=\"waygate\", error=\"invalid_token\", error_description=\"unknown, expired or revoked API key\"");
    }

    @Test
    void withOauthTheChallengePointsAtTheResourceMetadata() {
        dev.waygate.config.OAuthConfig o = new dev.waygate.config.OAuthConfig(java.net.URI.create("https://idp.example.com"),
                java.util.Optional.empty(), "https://mcp.example.com/mcp", List.of("RS256"), java.time.Duration.ofSeconds(60),
                "sub", "roles", java.time.Duration.ofMinutes(5), java.time.Duration.ofSeconds(30),
                List.of("https://idp.example.com"), List.of("mcp:tools", "mcp:read"));
        GatewayConfig base = config(GatewayConfig.DEFAULT_LISTEN, List.of());
        HttpGuard g = new HttpGuard(new GatewayConfig(base.file(), base.listen(), base.dataDir(), base.auth(), base.allowedOrigins(),
                base.maxBodyBytes(), base.separator(), base.pageSize(), base.sessionIdle(), base.servers(), base.policy(),
                base.rateLimits(), base.audit(), java.util.Optional.of(o)), auth);

        assertThat(g.challenge(java.util.Optional.empty())).isEqualTo("Bearer realm=\"waygate\", resource_metadata="
                + "\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\", scope=\"mcp:tools mcp:read\"");
        assertThat(g.challenge(java.util.Optional.of(dev.waygate.auth.Rejection.EXPIRED))).endsWith(
                ", error=\"invalid_token\", error_description=\"token expired\"");
    }

    private HttpGuard guard(List<String> allowedOrigins) {
        return new HttpGuard(config(GatewayConfig.DEFAULT_LISTEN, allowedOrigins), auth);
    }

    private GatewayConfig config(HostPort listen, List<String> allowedOrigins) {
        return new GatewayConfig(dataDir.resolve("waygate.yaml"), listen, dataDir, GatewayConfig.AuthMode.API_KEY,
                allowedOrigins, GatewayConfig.DEFAULT_MAX_BODY_BYTES, GatewayConfig.DEFAULT_SEPARATOR,
                GatewayConfig.DEFAULT_PAGE_SIZE, GatewayConfig.DEFAULT_SESSION_IDLE, Map.of());
    }
}
