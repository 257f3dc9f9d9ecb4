package dev.waygate.pin;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One upstream tool's pin: the definition an admin (or first sight) approved, and the one the
 * upstream offers now.
 *
 * @param server             the upstream server
 * @param tool               the tool's name at the upstream
 * @param approvedHash       hash of the approved definition; empty when never approved (poisoned on first sight)
 * @param approvedDefinition the approved definition (canonical JSON); empty when never approved
 * @param approvedAt         when it was approved (first sight or an admin)
 * @param approvedBy         {@code first-sight}, an admin principal, or {@code cli:USER}
 * @param approvalAudited    false while an approval made by the CLI waits to be recorded by the gateway
 * @param seenHash           hash of the definition last offered
 * @param seenDefinition     the definition last offered (canonical JSON)
 * @param findings           poisoning findings in the definition last offered
 * @param firstSeen          when the tool was first offered
 * @param changedAt          when the offered definition last changed
 */
public record Pin(String server, String tool, Optional<String> approvedHash, Optional<String> approvedDefinition,
                  Optional<Instant> approvedAt, String approvedBy, boolean approvalAudited, String seenHash,
                  String seenDefinition, List<Finding> findings, Instant firstSeen, Optional<Instant> changedAt) {
    public static final String FIRST_SIGHT = "first-sight";

    /** Whether the offered definition is the approved one. */
    public enum State {
        /** Offered as approved. */
        APPROVED,
        /** Changed since it was approved (a rug pull, until an admin says otherwise). */
        CHANGED,
        /** Never approved: its description was poisoned when first seen. */
        POISONED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The reason code clients, audit and logs see. */
        public String reasonCode() {
            return switch (this) {
                case APPROVED -> "";
                case CHANGED -> "tool_definition_changed";
                case POISONED -> "tool_description_poisoned";
            };
        }
    }

    public Pin {
        findings = List.copyOf(findings);
    }

    public State state() {
        if (approvedHash.isEmpty()) {
            return State.POISONED;
        }
        return approvedHash.get().equals(seenHash) ? State.APPROVED : State.CHANGED;
    }

    Pin seen(ToolDefinition d, List<Finding> found, Instant at) {
        return new Pin(server, tool, approvedHash, approvedDefinition, approvedAt, approvedBy, approvalAudited, d.hash(),
                d.canonical(), found, firstSeen, Optional.of(at));
    }

    Pin approved(String by, Instant at, boolean audited) {
        return new Pin(server, tool, Optional.of(seenHash), Optional.of(seenDefinition), Optional.of(at), by, audited, seenHash,
                seenDefinition, findings, firstSeen, changedAt);
    }
}
