package dev.waygate.egress;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The verdict on one request or tunnel, before dialing.
 *
 * @param allowed   whether it may proceed
 * @param reason    stable code: {@code ok}, {@code no_rule}, {@code method_not_allowed},
 *                  {@code path_not_allowed}, {@code tunnel_not_allowed}, {@code rate_limited},
 *                  or an SSRF code ({@code loopback}, {@code metadata}, {@code obfuscated_ip},
 *                  {@code unresolvable}, …); the same in the response, the audit entry and metrics
 * @param rule      the rule that decided; empty for the default
 * @param wouldDeny when allowed in report mode: the reason it would have been denied
 * @param addresses what was checked and is the only thing that may be dialed (empty when denied)
 * @param audit     whether to audit it when allowed
 */
public record Decision(boolean allowed, String reason, String rule, Optional<String> wouldDeny,
                       List<InetAddress> addresses, boolean audit) {
    public Decision {
        addresses = List.copyOf(addresses);
    }

    static Decision deny(String reason, String rule) {
        return new Decision(false, reason, rule, Optional.empty(), List.of(), true);
    }

    /** The metric and audit label: {@code allow}, {@code deny} or {@code report} (allowed, would deny). */
    public String label() {
        return !allowed ? "deny" : wouldDeny.isPresent() ? "report" : "allow";
    }

    /** The rule's name for labels; {@code (default)} when no rule decided. */
    public String ruleLabel() {
        return rule.isEmpty() ? "(default)" : rule;
    }

    /** Whether the reason is an SSRF refusal (an internal, obfuscated or unresolvable destination). */
    public boolean ssrf() {
        return !allowed && Judge.SSRF_REASONS.contains(reason);
    }
}
