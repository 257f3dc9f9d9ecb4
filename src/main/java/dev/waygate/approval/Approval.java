package dev.waygate.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import dev.waygate.policy.Risk;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One call held for a person's decision, as stored and shown. Immutable: a decision makes a new value.
 *
 * @param id            random, unguessable (it appears in links and URLs)
 * @param state         pending until decided, expired or cancelled
 * @param principal     who made the call; never allowed to approve it
 * @param tool          the tool name as the client used it
 * @param server        the upstream server the call goes to
 * @param rule          the policy rule that allowed the call and asked for approval
 * @param risk          that rule's risk
 * @param arguments     the call's arguments after {@link dev.waygate.audit.Redactor}: the only copy kept
 * @param findings      guard findings about the call (an array; empty until the guard stage supplies them)
 * @param approverRoles any of these roles may decide
 * @param required      approvals needed (1 or 2 distinct approvers)
 * @param votes         the decisions so far, in order
 * @param sessionId     the client session waiting for the answer
 * @param createdAt     when the call arrived
 * @param expiresAt     when it is refused if nobody decided
 * @param reason        why it ended ({@code approved}, {@code denied}, {@code timeout}, {@code client_cancelled},
 *                      {@code client_gone}); empty while pending
 */
public record Approval(String id, State state, String principal, String tool, String server, String rule, Risk risk,
                       JsonNode arguments, ArrayNode findings, Set<String> approverRoles, int required, List<Vote> votes,
                       String sessionId, Instant createdAt, Instant expiresAt, String reason) {

    public enum State {
        PENDING, APPROVED, DENIED, EXPIRED, CANCELLED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static State parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    /** One approver's decision. */
    public record Vote(String approver, boolean approve, String comment, Instant at) {}

    public Approval {
        approverRoles = Set.copyOf(approverRoles);
        votes = List.copyOf(votes);
    }

    public boolean pending() {
        return state == State.PENDING;
    }

    Approval with(State s, List<Vote> v, String why) {
        return new Approval(id, s, principal, tool, server, rule, risk, arguments, findings, approverRoles, required, v,
                sessionId, createdAt, expiresAt, why);
    }

    /** Whether a principal with these roles may decide (the requester never may). */
    public boolean mayDecide(String name, Set<String> roles) {
        return !name.equals(principal) && roles.stream().anyMatch(approverRoles::contains);
    }

    public long approvals() {
        return votes.stream().filter(Vote::approve).count();
    }

    /** The JSON form of REST, the dashboard and the generic webhook. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object().put("id", id).put("state", state.wire()).put("principal", principal).put("tool", tool)
                .put("server", server).put("rule", rule).put("risk", risk.name().toLowerCase(Locale.ROOT));
        o.set("arguments", arguments.deepCopy());
        o.set("findings", findings.deepCopy());
        ArrayNode roles = o.putArray("approver_roles");
        approverRoles.stream().sorted().forEach(roles::add);
        o.put("approvals_required", required).put("created_at", createdAt.toString()).put("expires_at", expiresAt.toString());
        ArrayNode v = o.putArray("decisions");
        for (Vote vote : votes) {
            v.addObject().put("approver", vote.approver()).put("decision", vote.approve() ? "approve" : "deny")
                    .put("comment", vote.comment()).put("at", vote.at().toString());
        }
        Optional.of(reason).filter(r -> !r.isEmpty()).ifPresent(r -> o.put("reason", r));
        return o;
    }
}
