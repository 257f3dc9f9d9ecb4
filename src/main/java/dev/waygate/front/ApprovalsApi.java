package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.approval.Approval;
import dev.waygate.approval.Approvals;
import dev.waygate.approval.DecisionException;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * What REST and the dashboard both do with approvals: list what a principal may see, and decide.
 * A principal sees an approval it requested, one it may decide (one of the rule's approver roles),
 * or any with the admin or auditor role; any other id is "not found" (ids are not confirmed to
 * people who may not see them).
 */
final class ApprovalsApi {
    static final Set<String> SEE_ALL_ROLES = Set.of("admin", "auditor");
    static final int MAX_COMMENT = 1000;

    private final Approvals approvals;

    ApprovalsApi(Approvals approvals) {
        this.approvals = approvals;
    }

    Approvals approvals() {
        return approvals;
    }

    static boolean visible(Approval a, Principal p) {
        return a.principal().equals(p.name()) || p.roles().stream().anyMatch(r -> a.approverRoles().contains(r)
                || SEE_ALL_ROLES.contains(r));
    }

    ObjectNode list(Principal p, boolean pendingOnly) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Approval a : approvals.list(pendingOnly)) {
            if (visible(a, p)) {
                out.add(view(a, p));
            }
        }
        return (ObjectNode) Json.object().set("approvals", out);
    }

    Optional<ObjectNode> get(Principal p, String id) {
        return approvals.get(id).filter(a -> visible(a, p)).map(a -> view(a, p));
    }

    /** The approval plus whether this principal may decide it now (the dashboard shows buttons only then). */
    static ObjectNode view(Approval a, Principal p) {
        return a.toJson().put("can_decide", a.pending() && a.mayDecide(p.name(), p.roles())
                && a.votes().stream().noneMatch(v -> v.approver().equals(p.name())));
    }

    /**
     * @param body {@code {"comment": "...", "similar_minutes": N}} (both optional; similar only when approving)
     * @throws DecisionException for every refusal; IllegalArgumentException for a malformed body
     */
    ObjectNode decide(Principal p, String id, boolean approve, JsonNode body) {
        if (approvals.get(id).filter(a -> visible(a, p)).isEmpty()) {
            throw new DecisionException(404, "not_found", "no approval " + id);
        }
        JsonNode c = body.path("comment");
        if (!c.isMissingNode() && !c.isNull() && !c.isTextual()) {
            throw new IllegalArgumentException("comment must be a string");
        }
        String comment = c.asText("");
        if (comment.length() > MAX_COMMENT) {
            throw new IllegalArgumentException("comment is longer than " + MAX_COMMENT + " characters");
        }
        Optional<Duration> similar = Optional.empty();
        JsonNode s = body.path("similar_minutes");
        if (!s.isMissingNode() && !s.isNull()) {
            if (!s.canConvertToInt() || !s.isIntegralNumber() || s.intValue() < 0 || !approve) {
                throw new IllegalArgumentException("similar_minutes must be a whole number of minutes, and only when approving");
            }
            similar = Optional.of(Duration.ofMinutes(s.intValue()));
        }
        Approval a = approvals.decide(id, p.name(), p.roles(), approve, comment, similar);
        return view(a, p);
    }
}
