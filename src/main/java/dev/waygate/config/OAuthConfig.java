package dev.waygate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code oauth} section: Waygate as an OAuth 2.1 resource server accepting JWT access tokens
 * from one issuer (MCP authorization spec, RFC 9068 style tokens). Absent section: API keys only.
 *
 * @param issuer               the {@code iss} every token must carry, exactly
 * @param jwksUri              where the signing keys are; empty means discovered from the issuer's
 *                             metadata ({@code /.well-known/oauth-authorization-server}, then
 *                             {@code openid-configuration}) on first use
 * @param audience             this gateway's resource identifier (RFC 8707); a token's {@code aud}
 *                             must contain it, so tokens minted for other services are refused
 * @param algorithms           accepted JWS algorithms; only asymmetric ones (never {@code none}, never HS*)
 * @param clockSkew            tolerance for {@code exp} and {@code nbf}
 * @param principalClaim       claim naming the principal (dotted path allowed)
 * @param rolesClaim           claim holding the roles: a list of strings or a space-separated string
 *                             (as {@code scope}); dotted path allowed ({@code realm_access.roles})
 * @param jwksCache            how long fetched keys are trusted before they are fetched again
 * @param jwksRefreshInterval  an unknown {@code kid} re-fetches the keys at most twice per interval,
 *                             so tokens with invented kids cannot make the gateway hammer the issuer
 * @param authorizationServers advertised in the protected resource metadata (RFC 9728)
 * @param scopesSupported      advertised there too; empty means the field is left out
 */
public record OAuthConfig(
        URI issuer,
        Optional<URI> jwksUri,
        String audience,
        List<String> algorithms,
        Duration clockSkew,
        String principalClaim,
        String rolesClaim,
        Duration jwksCache,
        Duration jwksRefreshInterval,
        List<String> authorizationServers,
        List<String> scopesSupported) {

    public static final List<String> DEFAULT_ALGORITHMS = List.of("RS256", "ES256");
    /** Asymmetric algorithms Nimbus verifies with the JDK alone; HMAC with a public JWKS is forgeable. */
    public static final List<String> ALLOWED_ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512");
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    public static final String DEFAULT_PRINCIPAL_CLAIM = "sub";
    public static final String DEFAULT_ROLES_CLAIM = "roles";
    public static final Duration DEFAULT_JWKS_CACHE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_JWKS_REFRESH_INTERVAL = Duration.ofSeconds(30);

    public OAuthConfig {
        algorithms = List.copyOf(algorithms);
        authorizationServers = List.copyOf(authorizationServers);
        scopesSupported = List.copyOf(scopesSupported);
    }

    /** With every default, as {@code oauth: {issuer, audience}} gives. */
    public static OAuthConfig of(URI issuer, Optional<URI> jwksUri, String audience) {
        return new OAuthConfig(issuer, jwksUri, audience, DEFAULT_ALGORITHMS, DEFAULT_CLOCK_SKEW, DEFAULT_PRINCIPAL_CLAIM,
                DEFAULT_ROLES_CLAIM, DEFAULT_JWKS_CACHE, DEFAULT_JWKS_REFRESH_INTERVAL, List.of(issuer.toString()), List.of());
    }

    private static final java.util.Set<String> LOOPBACK = java.util.Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    /**
     * Whether keys or metadata may be fetched from {@code u}: https, or http to a loopback host only
     * (a key set fetched in clear text over a network can be replaced by anyone on the path).
     */
    public static boolean fetchable(URI u) {
        return "https".equals(u.getScheme())
                || "http".equals(u.getScheme()) && u.getHost() != null
                && LOOPBACK.contains(u.getHost().toLowerCase(java.util.Locale.ROOT));
    }

    /** RFC 9728 3.1: the metadata URL is the resource's with {@code /.well-known/oauth-protected-resource} inserted before its path. */
    public URI metadataUrl() {
        URI r = URI.create(audience);
        String path = r.getRawPath() == null || r.getRawPath().equals("/") ? "" : r.getRawPath();
        return URI.create(r.getScheme() + "://" + r.getRawAuthority() + "/.well-known/oauth-protected-resource" + path);
    }
}
