package dev.waygate.ratelimit;

import java.util.Map;
import java.util.Optional;

/**
 * The configured limits. Each applies separately; a call must pass every one that applies.
 *
 * @param perPrincipal every principal's calls together; empty means unlimited
 * @param perTool      every (principal, tool) pair; empty means unlimited
 * @param perRule      by rule name: (principal, tool) pairs allowed by that rule
 */
public record RateLimits(Optional<RateLimit> perPrincipal, Optional<RateLimit> perTool, Map<String, RateLimit> perRule) {
    public static final RateLimits NONE = new RateLimits(Optional.empty(), Optional.empty(), Map.of());

    public RateLimits {
        perRule = Map.copyOf(perRule);
    }
}
