package dev.waygate.seal;

/** A sealed blob that was refused: malformed, forged, tampered with, another principal's, or expired. */
public final class SealException extends RuntimeException {
    /** Why it was refused; stable words for logs and tests. */
    public enum Reason { MALFORMED, NOT_AUTHENTIC, EXPIRED }

    private final Reason reason;

    SealException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
