package dev.waygate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.ResourceRetriever;
import dev.waygate.config.OAuthConfig;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's signing keys. The JWKS URL is configured or, on first use, discovered from the
 * issuer's metadata; the key set is fetched with timeouts and a size limit (a hostile or broken
 * endpoint can neither hang nor flood the gateway), cached for {@code jwks_cache}, and fetched again
 * when a token names a {@code kid} not in the cache (key rotation), at most twice per
 * {@code jwks_refresh_interval} (Nimbus' rate limit: invented kids cannot make the gateway hammer
 * the issuer).
 */
final class IssuerKeys implements JWKSource<SecurityContext> {
    private static final Logger LOG = LoggerFactory.getLogger(IssuerKeys.class);
    static final int CONNECT_TIMEOUT_MS = 2_000;
    static final int READ_TIMEOUT_MS = 5_000;
    static final int SIZE_LIMIT_BYTES = 256 * 1024;
    /** Nimbus' wait for a refresh another thread started; never longer than the cache lifetime. */
    static final long REFRESH_WAIT_MS = 15_000;

    private final OAuthConfig config;
    private final ResourceRetriever http = new DefaultResourceRetriever(CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS, SIZE_LIMIT_BYTES);
    private volatile JWKSource<SecurityContext> keys;
    private long discoveryRetryAt;

    IssuerKeys(OAuthConfig config) {
        this.config = config;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        return source().get(selector, context);
    }

    private JWKSource<SecurityContext> source() throws KeySourceException {
        JWKSource<SecurityContext> k = keys;
        if (k != null) {
            return k;
        }
        synchronized (this) {
            if (keys != null) {
                return keys;
            }
            long now = System.currentTimeMillis();
            if (now < discoveryRetryAt) {
                throw new JWKSetUnavailableException("issuer metadata unavailable (retry later)", null);
            }
            try {
                URI jwks = config.jwksUri().isPresent() ? config.jwksUri().get() : discover();
                keys = build(jwks.toURL());
                return keys;
            } catch (IOException | RuntimeException e) {
                discoveryRetryAt = now + config.jwksRefreshInterval().toMillis();
                LOG.warn("oauth: cannot discover the JWKS of {}: {}", config.issuer(), e.getMessage());
                throw new JWKSetUnavailableException("issuer metadata unavailable", e);
            }
        }
    }

    private JWKSource<SecurityContext> build(URL jwks) {
        long ttl = config.jwksCache().toMillis();
        return JWKSourceBuilder.<SecurityContext>create(jwks, http)
                .cache(ttl, Math.min(REFRESH_WAIT_MS, ttl))
                .refreshAheadCache(false)
                .rateLimited(config.jwksRefreshInterval().toMillis())
                .retrying(false)
                .outageTolerant(false)
                .build();
    }

    /**
     * RFC 8414 3.1 and the MCP authorization spec's order: OAuth metadata, then OpenID Connect
     * discovery (path inserted, then appended). The document must name the configured issuer
     * exactly (RFC 8414 3.3): metadata for another issuer would hand us its keys.
     */
    URI discover() throws IOException {
        List<String> errors = new ArrayList<>();
        for (URI candidate : metadataUrls(config.issuer())) {
            try {
                JsonNode doc = Json.parse(http.retrieveResource(candidate.toURL()).getContent());
                if (!config.issuer().toString().equals(doc.path("issuer").asText())) {
                    errors.add(candidate + ": names another issuer");
                    continue;
                }
                URI jwks = URI.create(doc.path("jwks_uri").asText());
                if (!jwks.isAbsolute() || !OAuthConfig.fetchable(jwks)) {
                    errors.add(candidate + ": jwks_uri missing or not https");
                    continue;
                }
                LOG.debug("oauth: JWKS of {} is {}", config.issuer(), jwks);
                return jwks;
            } catch (IOException | IllegalArgumentException e) {
                errors.add(candidate + ": " + e.getMessage());
            }
        }
        throw new IOException(String.join("; ", errors));
    }

    static List<URI> metadataUrls(URI issuer) {
        String origin = issuer.getScheme() + "://" + issuer.getRawAuthority();
        String path = issuer.getRawPath() == null ? "" : issuer.getRawPath().replaceAll("/+$", "");
        if (path.isEmpty()) {
            return List.of(URI.create(origin + "/.well-known/oauth-authorization-server"),
                    URI.create(origin + "/.well-known/openid-configuration"));
        }
        return List.of(URI.create(origin + "/.well-known/oauth-authorization-server" + path),
                URI.create(origin + "/.well-known/openid-configuration" + path),
                URI.create(origin + path + "/.well-known/openid-configuration"));
    }
}
