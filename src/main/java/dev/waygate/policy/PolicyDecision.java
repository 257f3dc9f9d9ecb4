package dev.waygate.policy;

/**
 * A policy decision, as a value.
 *
 * @param effect     allow or deny
 * @param rule       the rule that decided, or {@code default} when none matched
 * @param risk       the allowing rule's risk ({@code LOW} for denials and the default)
 * @param reasonCode {@code policy_allowed}, {@code policy_denied} or {@code policy_default_deny}
 */
public record PolicyDecision(Effect effect, String rule, Risk risk, String reasonCode) {
    public static final String DEFAULT_RULE = "default";

    public boolean allowed() {
        return effect == Effect.ALLOW;
    }
}
