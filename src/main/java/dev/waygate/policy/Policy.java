package dev.waygate.policy;

import java.util.List;

/**
 * The validated policy: rules evaluated in order, first match wins, then the default.
 *
 * @param defaultEffect what happens when no rule matches ({@code DENY} unless written otherwise)
 * @param rules         in evaluation order
 */
public record Policy(Effect defaultEffect, List<Rule> rules) {
    public static final Policy DENY_ALL = new Policy(Effect.DENY, List.of());

    public Policy {
        rules = List.copyOf(rules);
    }

    /**
     * Decides a call. Evaluation order:
     * <ol>
     *   <li>each rule in order: if its caller and target criteria match and its argument
     *       conditions hold, its effect decides (a denying rule's conditions also count as holding
     *       for a value they cannot judge, see {@link ArgumentCondition});</li>
     *   <li>otherwise the default effect, as rule {@code default}.</li>
     * </ol>
     */
    public PolicyDecision decide(PolicyQuery q) {
        for (Rule r : rules) {
            if (r.matchesTarget(q) && r.argumentsHold(q.arguments())) {
                return r.effect() == Effect.ALLOW
                        ? new PolicyDecision(Effect.ALLOW, r.name(), r.risk(), "policy_allowed")
                        : new PolicyDecision(Effect.DENY, r.name(), Risk.LOW, "policy_denied");
            }
        }
        return defaultEffect == Effect.ALLOW
                ? new PolicyDecision(Effect.ALLOW, PolicyDecision.DEFAULT_RULE, Risk.LOW, "policy_allowed")
                : new PolicyDecision(Effect.DENY, PolicyDecision.DEFAULT_RULE, Risk.LOW, "policy_default_deny");
    }

    /**
     * Whether a list shows this target to the caller: some call to it could be allowed. A rule with
     * argument conditions may or may not apply, so an allowing one shows the target and a denying
     * one is passed over; a denying rule without conditions hides it.
     */
    public boolean visible(PolicyQuery q) {
        for (Rule r : rules) {
            if (!r.matchesTarget(q)) {
                continue;
            }
            if (r.effect() == Effect.ALLOW) {
                return true;
            }
            if (r.arguments().isEmpty()) {
                return false;
            }
        }
        return defaultEffect == Effect.ALLOW;
    }
}
