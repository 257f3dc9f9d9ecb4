package dev.waygate.audit;

/** The journal cannot be written (disk full, permissions, removed files, shutting down). The gateway fails closed. */
public final class AuditUnavailableException extends RuntimeException {
    /** The reason code clients see in {@code data.reason}. */
    public static final String REASON = "audit_unavailable";

    public AuditUnavailableException(String message) {
        super(message);
    }
}
