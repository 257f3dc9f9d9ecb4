package dev.waygate.audit;

import dev.waygate.mcp.Json;
import java.time.Instant;

/** Events the gateway records about itself and about requests that never became calls. */
public final class Events {
    public static final String AUTH_FAILURE = "auth.failure";
    public static final String RECOVERED = "audit.recovered";
    public static final String LIMIT_EXCEEDED = "sandbox.limit_exceeded";

    private Events() {}

    /**
     * A request refused with 401.
     *
     * @param presented whether the request carried a credential (a wrong one) or none
     */
    public static AuditEvent authFailure(String path, boolean presented, String remote) {
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), "", AUTH_FAILURE,
                Redactor.text(path), AuditEvent.Outcome.DENY, "unauthenticated", 0, "",
                Json.object().put("credential", presented ? "rejected" : "absent").put("remote", remote));
    }

    /**
     * A key lifecycle operation done through the gateway (REST).
     *
     * @param action {@code key.create}, {@code key.revoke} or {@code key.rotate}
     * @param key    the key's printable prefix ({@code wg_<id>}), never the key
     */
    public static AuditEvent keyLifecycle(String admin, String action, String key, com.fasterxml.jackson.databind.JsonNode details) {
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), admin, action, key, AuditEvent.Outcome.ALLOW,
                "admin", 0, "", details);
    }

    /**
     * A sandboxed upstream exceeded a limit and was killed (it is restarted with backoff).
     *
     * @param limit {@code memory}, {@code cpu}, {@code output}, {@code file_size} or {@code wall_timeout}: also the reason
     */
    public static AuditEvent limitExceeded(String server, String limit, String detail) {
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), "", LIMIT_EXCEEDED, server,
                AuditEvent.Outcome.ERROR, "limit_exceeded_" + limit, 0, "",
                Json.object().put("limit", limit).put("detail", Redactor.text(detail)));
    }

    /** The journal was re-opened after a crash and a partial last line was cut. */
    static AuditEvent recovered(JournalTail tail) {
        return new AuditEvent(Instant.now(), "", "", RECOVERED, tail.tornFile(), AuditEvent.Outcome.ALLOW,
                "torn_tail_cut", 0, "", Json.object().put("torn_bytes", tail.tornBytes()).put("after_seq", tail.seq()));
    }
}
