package dev.waygate.auth;

import java.util.Optional;

/**
 * The outcome of authenticating one request: a principal, or why not. No principal and no
 * rejection means no credential was presented at all (RFC 6750 3.1: then the 401 carries no error
 * code).
 */
public record AuthResult(Optional<Principal> principal, Optional<Rejection> rejection) {
    public static final AuthResult NO_CREDENTIALS = new AuthResult(Optional.empty(), Optional.empty());

    public static AuthResult accepted(Principal p) {
        return new AuthResult(Optional.of(p), Optional.empty());
    }

    public static AuthResult rejected(Rejection r) {
        return new AuthResult(Optional.empty(), Optional.of(r));
    }
}
