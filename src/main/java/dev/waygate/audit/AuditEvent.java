package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One decision of the gateway, as the journal records it. The journal adds the sequence number,
 * instance, key id, chain hash and MAC when it writes the entry.
 *
 * @param time           when the decision was made
 * @param correlationId  the request's correlation id (also in the response header and the logs)
 * @param principal      who asked; empty when authentication established no one
 * @param action         what was asked: {@code tools/call}, {@code prompts/get}, {@code resources/read},
 *                       {@code auth.failure}, {@code audit.recovered}, ...
 * @param target         what it was asked of: the tool or prompt name, resource URI, or HTTP path
 * @param decision       allow, deny or error
 * @param reason         the same stable code as the client's error {@code data.reason}; empty when allowed
 * @param durationMs     how long the decision (and the upstream call) took
 * @param upstreamStatus {@code ok}, {@code tool_error} (result isError), an error code, or empty
 * @param args           a redacted, bounded summary of the arguments ({@link Redactor}); null node if none
 */
public record AuditEvent(Instant time, String correlationId, String principal, String action, String target,
                         Outcome decision, String reason, long durationMs, String upstreamStatus, JsonNode args) {

    /** The decision field. */
    public enum Outcome {
        ALLOW, DENY, ERROR;

        private final String wire = name().toLowerCase(java.util.Locale.ROOT);

        public String wire() {
            return wire;
        }
    }

    public AuditEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(decision, "decision");
        correlationId = Objects.requireNonNullElse(correlationId, "");
        principal = Objects.requireNonNullElse(principal, "");
        action = Objects.requireNonNull(action, "action");
        target = Objects.requireNonNullElse(target, "");
        reason = Objects.requireNonNullElse(reason, "");
        upstreamStatus = Objects.requireNonNullElse(upstreamStatus, "");
        args = args == null ? NullNode.instance : args;
    }
}
