package dev.waygate.auth;

/** A bearer token was refused; the message is the rejection's non-leaking description. */
public final class TokenRejectedException extends RuntimeException {
    private final transient Rejection rejection;

    public TokenRejectedException(Rejection rejection) {
        super(rejection.description(), null, false, false);
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
