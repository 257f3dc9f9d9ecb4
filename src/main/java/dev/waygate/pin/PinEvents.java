package dev.waygate.pin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.Correlation;
import dev.waygate.mcp.Json;
import java.time.Instant;

/**
 * The audit entries of tool pinning. The target is the tool's exposed name (so
 * {@code GET /audit?tool=files__read_file} finds its calls and its pin history together); hashes,
 * server and upstream name are in {@code args}; finding kinds but never the upstream's text.
 */
final class PinEvents {
    static final String PIN = "tool.pin";
    static final String QUARANTINE = "tool.quarantine";
    static final String APPROVE = "tool.approve";
    static final String SHADOWING = "tool.shadowing";

    private PinEvents() {}

    /** First sight of a clean definition, or a changed one that went back to the approved definition. */
    static AuditEvent pinned(String exposed, Pin p, String reason) {
        return event("", PIN, exposed, AuditEvent.Outcome.ALLOW, reason, args(p));
    }

    /**
     * A definition that is not approved: changed since approval, or poisoned on first sight.
     * {@code deny} when enforced; {@code allow} in report mode (args say {@code mode: report}).
     */
    static AuditEvent quarantined(String exposed, Pin p, boolean enforced) {
        ObjectNode a = args(p).put("mode", enforced ? "enforce" : "report");
        return event("", QUARANTINE, exposed, enforced ? AuditEvent.Outcome.DENY : AuditEvent.Outcome.ALLOW,
                p.state().reasonCode(), a);
    }

    static AuditEvent approved(String by, String exposed, Pin p, String previousHash) {
        ObjectNode a = args(p).put("previous_hash", previousHash);
        return event(by, APPROVE, exposed, AuditEvent.Outcome.ALLOW, "admin", a);
    }

    static AuditEvent shadowing(Shadow s) {
        ObjectNode a = Json.object().put("kind", s.kind()).put("message", s.message());
        s.servers().forEach(a.withArray("servers")::add);
        if (!s.mentions().isEmpty()) {
            a.put("mentions", s.mentions());
        }
        return event("", SHADOWING, s.tool(), AuditEvent.Outcome.ALLOW, "tool_shadowing", a);
    }

    private static ObjectNode args(Pin p) {
        ObjectNode a = Json.object().put("server", p.server()).put("tool", p.tool()).put("seen_hash", p.seenHash())
                .put("approved_hash", p.approvedHash().orElse(""));
        if (!p.findings().isEmpty()) {
            var f = a.putArray("findings");
            p.findings().forEach(x -> f.addObject().put("kind", x.kind()).put("where", x.where()));
        }
        return a;
    }

    private static AuditEvent event(String principal, String action, String target, AuditEvent.Outcome o, String reason,
                                    ObjectNode args) {
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), principal, action, target, o, reason, 0, "", args);
    }
}
