package dev.waygate.auth;

import dev.waygate.config.GatewayConfig;
import java.util.Optional;

/**
 * Turns the credentials of a request into a principal: {@code Authorization: Bearer CREDENTIAL} or
 * {@code X-Waygate-API-Key: KEY}. A bearer value that looks like a Waygate key ({@code wg_...}) is
 * checked as a key; with {@code oauth} configured, any other bearer value is validated as a JWT
 * access token. {@code X-Waygate-API-Key} carries keys only. With {@code auth: none} (loopback
 * only, written explicitly) every request is the anonymous principal.
 */
public final class Authenticator {
    private final GatewayConfig.AuthMode mode;
    private final KeyStore keys;
    private final Optional<TokenVerifier> tokens;

    public Authenticator(GatewayConfig.AuthMode mode, KeyStore keys) {
        this(mode, keys, Optional.empty());
    }

    public Authenticator(GatewayConfig.AuthMode mode, KeyStore keys, Optional<TokenVerifier> tokens) {
        this.mode = mode;
        this.keys = keys;
        this.tokens = tokens;
    }

    public boolean required() {
        return mode == GatewayConfig.AuthMode.API_KEY;
    }

    /** Whether JWT access tokens are accepted (an {@code oauth} section is configured). */
    public boolean acceptsTokens() {
        return tokens.isPresent();
    }

    /**
     * @param authorization the Authorization header, if any
     * @param apiKeyHeader  the X-Waygate-API-Key header, if any
     */
    public Optional<Principal> authenticate(String authorization, String apiKeyHeader) {
        return check(authorization, apiKeyHeader).principal();
    }

    /** As {@link #authenticate}, saying why a presented credential was refused. */
    public AuthResult check(String authorization, String apiKeyHeader) {
        if (mode == GatewayConfig.AuthMode.NONE) {
            return AuthResult.accepted(Principal.ANONYMOUS);
        }
        if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
            return key(apiKeyHeader.trim());
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String credential = authorization.substring(7).trim();
            return credential.isEmpty() ? AuthResult.NO_CREDENTIALS : credential(credential);
        }
        return AuthResult.NO_CREDENTIALS;
    }

    public Optional<Principal> authenticateKey(String key) {
        return authenticate(null, key);
    }

    /**
     * A raw credential (stdio's {@code WAYGATE_API_KEY}): an API key, or with {@code oauth}
     * configured a JWT, validated as over HTTP.
     */
    public AuthResult checkCredential(String credential) {
        if (mode == GatewayConfig.AuthMode.NONE) {
            return AuthResult.accepted(Principal.ANONYMOUS);
        }
        return credential == null || credential.isBlank() ? AuthResult.NO_CREDENTIALS : credential(credential.trim());
    }

    /**
     * The principal {@link #checkCredential} would accept, when that is known without blocking: no
     * authentication, or an API key the key store has cached and recently confirmed
     * ({@link KeyStore#authenticateCached}). Empty says nothing (not a refusal): ask
     * {@link #checkCredential} on a thread that may block.
     */
    public Optional<Principal> checkCredentialCached(String credential) {
        if (mode == GatewayConfig.AuthMode.NONE) {
            return Optional.of(Principal.ANONYMOUS);
        }
        if (credential == null) {
            return Optional.empty();
        }
        String c = credential.trim();
        return isKey(c) ? keys.authenticateCached(c) : Optional.empty();
    }

    /** Checked as an API key: it has the key prefix, or no tokens are configured. */
    private boolean isKey(String credential) {
        return credential.startsWith(KeyStore.PREFIX) || tokens.isEmpty();
    }

    private AuthResult credential(String credential) {
        if (isKey(credential)) {
            return key(credential);
        }
        try {
            return AuthResult.accepted(tokens.get().verify(credential));
        } catch (TokenRejectedException e) {
            return AuthResult.rejected(e.rejection());
        }
    }

    private AuthResult key(String key) {
        return keys.authenticate(key).map(AuthResult::accepted).orElse(AuthResult.rejected(Rejection.BAD_API_KEY));
    }
}
