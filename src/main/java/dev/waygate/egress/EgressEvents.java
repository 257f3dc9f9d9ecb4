package dev.waygate.egress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.Correlation;
import dev.waygate.audit.Redactor;
import dev.waygate.mcp.Json;
import java.time.Instant;

/**
 * Audit entries of the egress proxy: one per plain HTTP request, per tunnel (written when it
 * closes, with its byte counts) and per {@code /proxy/request} hop. The path is recorded without
 * its query (where tokens travel), through {@link Redactor#text}.
 */
final class EgressEvents {
    static final String REQUEST = "egress.request";
    static final String TUNNEL = "egress.connect";
    static final String FETCH = "egress.fetch";

    private EgressEvents() {}

    static AuditEvent of(Exchange x, long durationMs) {
        Decision d = x.decision;
        ObjectNode a = Json.object().put("rule", d.ruleLabel()).put("scheme", x.target.scheme()).put("host", x.target.host())
                .put("port", x.target.port()).put("method", x.target.method());
        if (!x.target.tunnel()) {
            a.put("path", Redactor.text(x.target.path()));
        }
        a.put("resolved", x.dialed != null ? x.dialed.getAddress().getHostAddress()
                : d.addresses().isEmpty() ? "" : d.addresses().getFirst().getHostAddress());
        a.put("bytes_out", x.bytesOut.get()).put("bytes_in", x.bytesIn.get()).put("remote", x.remote);
        d.wouldDeny().ifPresent(w -> a.put("would_deny", w));
        if (!x.failure.isEmpty()) {
            a.put("failure", x.failure);
        }
        AuditEvent.Outcome outcome = !d.allowed() ? AuditEvent.Outcome.DENY
                : x.failure.isEmpty() ? AuditEvent.Outcome.ALLOW : AuditEvent.Outcome.ERROR;
        String reason = !d.allowed() ? d.reason() : d.wouldDeny().map(w -> "report:" + w).orElse(x.failure);
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), x.principal.name(), x.action,
                x.target.authority(), outcome, reason, durationMs, x.status == 0 ? "" : Integer.toString(x.status), a);
    }
}
