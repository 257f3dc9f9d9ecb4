package dev.waygate.audit;

import java.util.Optional;

/** Where decisions are recorded. */
public interface AuditLog {
    /**
     * Records an event. In {@code durable} mode returns only once the entry is on disk.
     *
     * @throws AuditUnavailableException when the journal cannot be written; the caller must refuse
     *                                   whatever it was about to allow
     */
    void record(AuditEvent event);

    /** Why the journal cannot be written right now; empty when it can. */
    Optional<String> unavailable();
}
