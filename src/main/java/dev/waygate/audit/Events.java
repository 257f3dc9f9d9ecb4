package dev.waygate.audit;

import dev.waygate.mcp.Json;
import java.time.Instant;

/** Events the gateway records about itself and about requests that never became calls. */
public final class Events {
    public static final String AUTH_FAILURE = "auth.failure";
    public static final String RECOVERED = "audit.recovered";
    public static final String CONFIG_RELOAD = "config.reload";
    public static final String LIMIT_EXCEEDED = "sandbox.limit_exceeded";

    private Events() {}

    /**
     * A request refused with 401.
     *
     * @param presented  whether the request carried a credential (a wrong one) or none
     * @param suppressed failures from the same address counted but not recorded since its last entry
     */
    public static AuditEvent authFailure(String path, boolean presented, String remote, long suppressed) {
        var args = Json.object().put("credential", presented ? "rejected" : "absent").put("remote", remote);
        if (suppressed > 0) {
            args.put("suppressed_before", suppressed);
        }
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), "", AUTH_FAILURE,
                Redactor.text(path), AuditEvent.Outcome.DENY, "unauthenticated", 0, "", args);
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
     * A key lifecycle operation done by {@code waygate keys} on the host: the principal is
     * {@code cli:<operating system user>} (a name no key can have), the reason {@code cli}. It is
     * queued ({@link PendingEvents}) for the process that owns the journal.
     */
    public static AuditEvent keyLifecycleByCli(String action, String key, com.fasterxml.jackson.databind.node.ObjectNode details) {
        return new AuditEvent(Instant.now(), "", "cli:" + System.getProperty("user.name", "unknown"), action, key,
                AuditEvent.Outcome.ALLOW, "cli", 0, "", details);
    }

    /**
     * A reload of the configuration (policy and rate limits), applied, unchanged or refused.
     *
     * @param outcome {@code applied}, {@code unchanged} or {@code refused}
     * @param trigger {@code http}, {@code signal} or {@code file}
     * @param error   for a refused reload, the {@code file:line: key: reason} (never a value)
     */
    public static AuditEvent configReload(String outcome, String trigger, String file, long version, String digest,
                                          java.util.List<String> restartNeeded, java.util.Optional<String> error) {
        var details = Json.object().put("trigger", trigger).put("policy_version", version).put("digest", digest);
        restartNeeded.forEach(details.putArray("restart_needed")::add);
        error.ifPresent(e -> details.put("error", Redactor.text(e)));
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), "", CONFIG_RELOAD, Redactor.text(file),
                outcome.equals("refused") ? AuditEvent.Outcome.DENY : AuditEvent.Outcome.ALLOW, outcome, 0, "", details);
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
