package dev.waygate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code oauth} section into an {@link OAuthConfig}. */
final class OAuthReader {
    private static final Set<String> KEYS = Set.of("issuer", "jwks_uri", "audience", "algorithms", "clock_skew",
            "principal_claim", "roles_claim", "jwks_cache", "jwks_refresh_interval", "authorization_servers",
            "scopes_supported");

    private OAuthReader() {}

    static OAuthConfig read(Node n) {
        n.requireKeys(KEYS);
        if (!n.has("issuer")) {
            throw n.child("issuer").error("is required (the authorization server's issuer URL, as in the tokens' iss)");
        }
        if (!n.has("audience")) {
            throw n.child("audience").error("is required (this gateway's resource URL, e.g. https://mcp.example.com/mcp)");
        }
        URI issuer = fetchable(n.child("issuer"));
        Optional<URI> jwks = n.optional("jwks_uri").map(OAuthReader::fetchable);
        String audience = resource(n.child("audience"));
        List<String> algorithms = n.optional("algorithms").map(OAuthReader::algorithms).orElse(OAuthConfig.DEFAULT_ALGORITHMS);
        var skew = n.optional("clock_skew").map(Durations::parse).orElse(OAuthConfig.DEFAULT_CLOCK_SKEW);
        if (skew.toSeconds() > 600) {
            throw n.child("clock_skew").error("must be at most 10m");
        }
        String principalClaim = n.optional("principal_claim").map(OAuthReader::claim).orElse(OAuthConfig.DEFAULT_PRINCIPAL_CLAIM);
        String rolesClaim = n.optional("roles_claim").map(OAuthReader::claim).orElse(OAuthConfig.DEFAULT_ROLES_CLAIM);
        var cache = n.optional("jwks_cache").map(Durations::parse).orElse(OAuthConfig.DEFAULT_JWKS_CACHE);
        var refresh = n.optional("jwks_refresh_interval").map(Durations::parse).orElse(OAuthConfig.DEFAULT_JWKS_REFRESH_INTERVAL);
        if (refresh.compareTo(cache) >= 0) {
            throw n.child("jwks_refresh_interval").error("must be shorter than jwks_cache (" + cache.toSeconds() + "s)");
        }
        List<String> servers = n.optional("authorization_servers").map(OAuthReader::urls).orElse(List.of(issuer.toString()));
        List<String> scopes = n.optional("scopes_supported").map(OAuthReader::scopes).orElse(List.of());
        return new OAuthConfig(issuer, jwks, audience, algorithms, skew, principalClaim, rolesClaim, cache, refresh,
                servers, scopes);
    }

    /** An URL the gateway fetches keys or metadata from: see {@link OAuthConfig#fetchable(URI)}. */
    private static URI fetchable(Node n) {
        URI u = absolute(n);
        if (!OAuthConfig.fetchable(u)) {
            throw n.error("must be an https:// URL (http:// is accepted only for loopback hosts)");
        }
        return u;
    }

    /** RFC 8707 2: an absolute URI without a fragment. */
    private static String resource(Node n) {
        URI u = absolute(n);
        if (u.getRawFragment() != null) {
            throw n.error("must not contain a fragment (RFC 8707)");
        }
        return n.asString().trim();
    }

    private static URI absolute(Node n) {
        String s = n.asString().trim();
        try {
            URI u = new URI(s);
            String scheme = u.getScheme() == null ? "" : u.getScheme();
            if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null) {
                throw n.error("must be an http:// or https:// URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw n.error("must be an http:// or https:// URL");
        }
    }

    private static List<String> urls(Node n) {
        List<String> out = new ArrayList<>();
        for (Node u : n.asList()) {
            out.add(absolute(u).toString());
        }
        if (out.isEmpty()) {
            throw n.error("must name at least one authorization server (MCP authorization spec)");
        }
        return out;
    }

    private static List<String> algorithms(Node n) {
        List<String> out = new ArrayList<>();
        for (Node a : n.asList()) {
            String alg = a.asString();
            if (alg.equalsIgnoreCase("none")) {
                throw a.error("'none' would accept unsigned tokens: never allowed");
            }
            if (alg.toUpperCase(Locale.ROOT).startsWith("HS")) {
                throw a.error("'" + alg + "' (HMAC) is refused: with a public JWKS anyone could sign tokens (algorithm confusion)");
            }
            if (!OAuthConfig.ALLOWED_ALGORITHMS.contains(alg)) {
                throw a.error("unsupported algorithm '" + alg + "' (allowed: " + String.join(", ", OAuthConfig.ALLOWED_ALGORITHMS) + ")");
            }
            out.add(alg);
        }
        if (out.isEmpty()) {
            throw n.error("must name at least one algorithm");
        }
        return out;
    }

    /** RFC 6749 3.3 scope tokens: printable ASCII except space, {@code "} and {@code \\}. */
    private static List<String> scopes(Node n) {
        List<String> out = new ArrayList<>();
        for (Node s : n.asList()) {
            String scope = s.asString();
            if (!scope.matches("[\\x21\\x23-\\x5B\\x5D-\\x7E]+")) {
                throw s.error("a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 3.3)");
            }
            out.add(scope);
        }
        return out;
    }

    private static String claim(Node n) {
        String c = n.asString();
        if (!c.matches("[A-Za-z0-9_:/\\-]+(\\.[A-Za-z0-9_:/\\-]+)*")) {
            throw n.error("must be a claim name or a dotted path such as realm_access.roles");
        }
        return c;
    }
}
