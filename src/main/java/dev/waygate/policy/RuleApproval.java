package dev.waygate.policy;

import java.util.Set;

/**
 * A rule's approval settings ({@code approval:} on an allowing rule), used by the approval gate when
 * the rule's risk asks for a person. Absent means {@link #DEFAULT}.
 *
 * @param roles     principals with any of these roles may decide; never empty
 * @param approvers how many distinct approvers must say yes (1 or 2; 0 only with {@code askUser},
 *                  then the calling user alone decides)
 * @param askUser   also ask the calling user through MCP elicitation (when the client supports it;
 *                  when it does not and no approver is configured, the call is refused)
 */
public record RuleApproval(Set<String> roles, int approvers, boolean askUser) {
    /** Who approves when a rule says nothing: people holding the {@code approver} or {@code admin} role. */
    public static final Set<String> DEFAULT_ROLES = Set.of("approver", "admin");
    public static final RuleApproval DEFAULT = new RuleApproval(DEFAULT_ROLES, 1, false);

    public RuleApproval {
        roles = Set.copyOf(roles);
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("approver roles must not be empty");
        }
        if (approvers < 0 || approvers > 2 || (approvers == 0 && !askUser)) {
            throw new IllegalArgumentException("approvers must be 1 or 2 (0 only with ask_user)");
        }
    }
}
