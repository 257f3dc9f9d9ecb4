package dev.waygate.policy;

import java.util.List;

/**
 * The validated policy: rules evaluated in order, first match wins, then the default. Immutable;
 * a large policy carries an index ({@link PolicyIndex}) that narrows which rules a decision tries
 * without changing any decision.
 */
public final class Policy {
    public static final Policy DENY_ALL = new Policy(Effect.DENY, List.of());
    /** Below this many rules trying each one is as fast as narrowing them first. */
    static final int INDEX_FROM = 16;

    private final Effect defaultEffect;
    private final List<Rule> rules;
    private final PolicyIndex index;

    /**
     * @param defaultEffect what happens when no rule matches ({@code DENY} unless written otherwise)
     * @param rules         in evaluation order
     */
    public Policy(Effect defaultEffect, List<Rule> rules) {
        this.defaultEffect = java.util.Objects.requireNonNull(defaultEffect, "defaultEffect");
        this.rules = List.copyOf(rules);
        this.index = this.rules.size() >= INDEX_FROM ? new PolicyIndex(this.rules) : null;
    }

    public Effect defaultEffect() {
        return defaultEffect;
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The rules that may apply to {@code q}, in order: all of them for a small policy. */
    private Iterable<Rule> tried(PolicyQuery q) {
        if (index == null) {
            return rules;
        }
        java.util.BitSet c = index.candidates(q);
        return () -> new java.util.Iterator<>() {
            private int next = c.nextSetBit(0);

            @Override
            public boolean hasNext() {
                return next >= 0;
            }

            @Override
            public Rule next() {
                Rule r = rules.get(next);
                next = c.nextSetBit(next + 1);
                return r;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Policy p && p.defaultEffect == defaultEffect && p.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return defaultEffect.hashCode() * 31 + rules.hashCode();
    }

    @Override
    public String toString() {
        return "Policy[default=" + defaultEffect + ", rules=" + rules.size() + "]";
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
        for (Rule r : tried(q)) {
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
        for (Rule r : tried(q)) {
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
