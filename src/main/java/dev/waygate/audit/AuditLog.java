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

    /**
     * Records an event without waiting for it: the same entry, chain and forced write as
     * {@link #record} (in {@code durable} mode the entry's batch is on disk before the future
     * completes), but the caller goes on at once. For callers that have nothing left to decide once
     * the event happened (an egress exchange already answered); never for one that must refuse when
     * the entry cannot be written. The future fails with {@link AuditUnavailableException} if it
     * cannot be written. By default {@link #record} on a virtual thread.
     */
    default java.util.concurrent.CompletableFuture<Void> recordLater(AuditEvent event) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> record(event),
                r -> Thread.ofVirtual().name("audit-later").start(r));
    }

    /**
     * Records a refused authentication (401 or 407). A failure to record changes nothing (the
     * request is refused already); the gateway's own log bounds how many one address can write.
     */
    default void authenticationFailed(String path, boolean presented, String remote) {
        try {
            record(Events.authFailure(path, presented, remote, 0));
        } catch (AuditUnavailableException e) {
            // refused anyway; nothing more to do
        }
    }

    /** Why the journal cannot be written right now; empty when it can. */
    Optional<String> unavailable();
}
