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
 * Decides each routed call by the current policy (read once per call, so a reload never shows a
 * call half of one policy and half of another). A denial names the rule, not the policy's
 * internals.
 */
public final class PolicyStage implements Stage {
    /** The decision that allowed the call: its rule and risk, for rate limits and the approval gate. */
    public static final Fact<PolicyDecision> DECISION = Fact.of("policy", PolicyDecision.class);

    private final Supplier<Policy> policy;

    public PolicyStage(Supplier<Policy> policy) {
        this.policy = policy;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        Call.Route route = call.route().orElseThrow(() -> new IllegalStateException("policy needs a routed call"));
        JsonNode args = call.params().path("arguments");
        PolicyQuery q = new PolicyQuery(call.principal().orElseThrow(), call.kind(), route.server(), call.name(),
                args.isObject() ? args : Json.object());
        PolicyDecision d = policy.get().decide(q);
        if (!d.allowed()) {
            String message = d.rule().equals(PolicyDecision.DEFAULT_RULE)
                    ? "denied by policy: no rule allows " + call.name()
                    : "denied by policy rule '" + d.rule() + "'";
            DeniedException e = new DeniedException(new Decision(false, d.reasonCode(), d.rule(), false), message);
            e.data().ifPresent(data -> ((com.fasterxml.jackson.databind.node.ObjectNode) data).put("rule", d.rule()));
            throw e;
        }
        return chain.proceed(call.with(DECISION, d));
    }
}
