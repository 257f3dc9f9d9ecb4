package dev.waygate.approval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.Correlation;
import dev.waygate.audit.Redactor;
import dev.waygate.mcp.Json;
import java.time.Instant;

/**
 * The audit entries of the approval gate. The target is always the approval id, so one search finds
 * an approval's whole story; the tool and requester are in the details. Comments are bounded and
 * redacted like any other outside text.
 */
final class ApprovalEvents {
    static final String REQUESTED = "approval.requested";
    static final String APPROVED = "approval.approve";
    static final String DENIED = "approval.deny";
    static final String REFUSED = "approval.decision_refused";
    static final String ENDED = "approval.end";
    static final String SIMILAR_GRANTED = "approval.similar_granted";
    static final String SIMILAR_USED = "approval.similar_used";
    static final String REDEEMED = "approval.redeemed";

    private ApprovalEvents() {}

    static AuditEvent requested(Approval a) {
        return event(a.principal(), REQUESTED, a, AuditEvent.Outcome.ALLOW, "approval_requested",
                details(a).put("expires_at", a.expiresAt().toString()).put("approvals_required", a.required()));
    }

    /** One approver's vote (approve or deny). */
    static AuditEvent vote(String approver, Approval a, boolean approve, String comment) {
        return event(approver, approve ? APPROVED : DENIED, a, approve ? AuditEvent.Outcome.ALLOW : AuditEvent.Outcome.DENY,
                approve ? "approved" : "approval_denied", details(a).put("comment", Redactor.text(comment))
                        .put("state", a.state().wire()));
    }

    /** A decision the gate refused: self-approval, a missing role, a second vote by the same person, too late. */
    static AuditEvent refused(String who, Approval a, String reason) {
        return event(who, REFUSED, a, AuditEvent.Outcome.DENY, reason, details(a));
    }

    /** Expired, cancelled by the client, or expired because the client is gone after a restart. */
    static AuditEvent ended(Approval a) {
        return event("", ENDED, a, AuditEvent.Outcome.DENY, a.reason(), details(a).put("state", a.state().wire()));
    }

    /** A 2026-07-28 client's retry took the approved call's approval: the call runs now, once. */
    static AuditEvent redeemed(String principal, Approval a) {
        return event(principal, REDEEMED, a, AuditEvent.Outcome.ALLOW, "approval_redeemed", details(a));
    }

    static AuditEvent similarGranted(String approver, Approval a, long minutes) {
        return event(approver, SIMILAR_GRANTED, a, AuditEvent.Outcome.ALLOW, "similar_granted",
                details(a).put("minutes", minutes));
    }

    static AuditEvent similarUsed(String principal, String tool, String grantedBy) {
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), principal, SIMILAR_USED, Redactor.text(tool),
                AuditEvent.Outcome.ALLOW, "approved_similar", 0, "", Json.object().put("granted_from", grantedBy));
    }

    private static ObjectNode details(Approval a) {
        return Json.object().put("requester", a.principal()).put("tool", Redactor.text(a.tool())).put("rule", a.rule());
    }

    private static AuditEvent event(String principal, String action, Approval a, AuditEvent.Outcome outcome, String reason,
                                    ObjectNode details) {
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), principal, action, a.id(), outcome, reason,
                0, "", details);
    }
}
