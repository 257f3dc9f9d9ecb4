package dev.waygate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Fact;
import dev.waygate.pipeline.Stage;
import java.util.function.Supplier;

/**
 * Decides each routed call by the policy in force. The snapshot is read once per call and put on
 * the call ({@link #SNAPSHOT}); the rate limiter and every later stage judge by that same
 * snapshot, so a reload between two stages never shows a call half of one policy version and half
 * of another. A denial names the rule, not the policy's internals.
 */
public final class PolicyStage implements Stage {
    /** The decision that allowed the call: its rule and risk, for rate limits and the approval gate. */
    public static final Fact<PolicyDecision> DECISION = Fact.of("policy", PolicyDecision.class);
    /** The policy version this call is judged by: later stages read their settings from it, never afresh. */
    public static final Fact<PolicySnapshot> SNAPSHOT = Fact.of("policy_snapshot", PolicySnapshot.class);

    private final Supplier<PolicySnapshot> snapshots;

    /** @param snapshots the policy in force; read once per call */
    public PolicyStage(Supplier<PolicySnapshot> snapshots) {
        this.snapshots = snapshots;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        Call.Route route = call.route().orElseThrow(() -> new IllegalStateException("policy needs a routed call"));
        JsonNode args = call.params().path("arguments");
        PolicyQuery q = new PolicyQuery(call.principal().orElseThrow(), call.kind(), route.server(), call.name(),
                args.isObject() ? args : Json.object());
        PolicySnapshot snapshot = snapshots.get();
        PolicyDecision d = snapshot.policy().decide(q);
        if (!d.allowed()) {
            String message = d.rule().equals(PolicyDecision.DEFAULT_RULE)
                    ? "denied by policy: no rule allows " + call.name()
                    : "denied by policy rule '" + d.rule() + "'";
            DeniedException e = new DeniedException(new Decision(false, d.reasonCode(), d.rule(), false), message);
            e.data().ifPresent(data -> ((com.fasterxml.jackson.databind.node.ObjectNode) data).put("rule", d.rule()));
            throw e;
        }
        return chain.proceed(call.with(SNAPSHOT, snapshot).with(DECISION, d));
    }
}
