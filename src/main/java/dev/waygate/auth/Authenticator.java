package dev.waygate.auth;

import dev.waygate.config.GatewayConfig;
import java.util.Optional;

/**
 * Turns the credentials of a request into a principal: {@code Authorization: Bearer KEY} or
 * {@code X-Waygate-API-Key: KEY}. With {@code auth: none} (loopback only, written explicitly)
 * every request is the anonymous principal.
 */
public final class Authenticator {
    private final GatewayConfig.AuthMode mode;
    private final KeyStore keys;

    public Authenticator(GatewayConfig.AuthMode mode, KeyStore keys) {
        this.mode = mode;
        this.keys = keys;
    }

    public boolean required() {
        return mode == GatewayConfig.AuthMode.API_KEY;
    }

    /**
     * @param authorization the Authorization header, if any
     * @param apiKeyHeader  the X-Waygate-API-Key header, if any
     */
    public Optional<Principal> authenticate(String authorization, String apiKeyHeader) {
        if (mode == GatewayConfig.AuthMode.NONE) {
            return Optional.of(Principal.ANONYMOUS);
        }
        String key = null;
        if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
            key = apiKeyHeader.trim();
        } else if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).trim();
        }
        return key == null ? Optional.empty() : keys.authenticate(key);
    }

    public Optional<Principal> authenticateKey(String key) {
        return authenticate(null, key);
    }
}
