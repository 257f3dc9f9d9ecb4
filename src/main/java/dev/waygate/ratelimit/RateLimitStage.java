package dev.waygate.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.policy.PolicyStage;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets (Bucket4j) per principal, per (principal, tool), and per (principal, tool) under
 * the allowing rule's own limit. Checked in that order; a call denied by a later bucket has still
 * spent its token in the earlier ones, which errs on the side of admitting less, never more.
 * Buckets are keyed by their limit too, so a reload with new numbers starts fresh buckets.
 *
 * <p>The limits are those of the policy snapshot the policy stage judged the call by (a fact on
 * the call), never a fresh read: a rule's limit always belongs to the version whose rule allowed
 * the call. A call without a snapshot is a wiring mistake and fails closed.
 *
 * <p>Buckets that have refilled completely are dropped by {@link #evictFull()} (run every minute):
 * a full bucket admits exactly what a new one would, so eviction changes no decision, and memory
 * stays bounded by the principals and tools active within one refill period. Taking a token and
 * evicting both run inside the map's per-key atomic update, so a token is never spent on a
 * bucket that is being dropped.
 */
public final class RateLimitStage implements Stage {
    private record Held(Bucket bucket, long capacity) {}

    /**
     * A bucket's identity: the scope, the limit (a changed limit starts a new bucket), the principal
     * and, but for a per-principal limit, the name called. A record of strings whose hashes are
     * cached: no key string is built per call.
     */
    private record Key(String scope, int perMinute, int burst, String principal, String name) {}

    private final Map<Key, Held> buckets = new ConcurrentHashMap<>();

    @Override
    public JsonNode handle(Call call, Chain chain) {
        RateLimits l = call.fact(PolicyStage.SNAPSHOT).map(PolicySnapshot::rateLimits)
                .orElseThrow(() -> new IllegalStateException("rate limits need the policy stage's snapshot on the call"));
        String principal = call.principal().orElseThrow().name();
        RateLimit perPrincipal = l.perPrincipal().orElse(null);
        if (perPrincipal != null) {
            refuseIfEmpty("principal", take("principal", principal, "", perPrincipal), () -> "principal " + principal);
        }
        RateLimit perTool = l.perTool().orElse(null);
        if (perTool != null) {
            refuseIfEmpty("tool", take("tool", principal, call.name(), perTool), call::name);
        }
        String rule = call.fact(PolicyStage.DECISION).map(PolicyDecision::rule).orElse("");
        RateLimit ruleLimit = l.perRule().get(rule);
        if (ruleLimit != null) {
            String scope = "rule:" + rule;
            refuseIfEmpty(scope, take(scope, principal, call.name(), ruleLimit), () -> "rule '" + rule + "'");
        }
        return chain.proceed(call);
    }

    /** Takes a token: 0 when taken, else the nanoseconds until one is available. */
    private long take(String scope, String principal, String name, RateLimit limit) {
        long[] wait = {0};
        buckets.compute(new Key(scope, limit.perMinute(), limit.burst(), principal, name), (k, held) -> {
            Held h = held != null ? held : new Held(Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(limit.burst()).refillGreedy(limit.perMinute(), Duration.ofMinutes(1)).build())
                    .withSynchronizationStrategy(SynchronizationStrategy.NONE) // only ever used inside the map's per-key update
                    .build(), limit.burst());
            if (!h.bucket().tryConsume(1)) {
                wait[0] = Math.max(1, h.bucket().estimateAbilityToConsume(1).getNanosToWaitForRefill());
            }
            return h;
        });
        return wait[0];
    }

    /** Refuses the call when {@code waitNanos} says no token was taken; {@code what} names the limit (read only then). */
    private static void refuseIfEmpty(String scope, long waitNanos, java.util.function.Supplier<String> what) {
        if (waitNanos > 0) {
            long retry = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            DeniedException e = new DeniedException(new Decision(false, "rate_limited", scope, false),
                    "rate limit exceeded for " + what.get() + ": retry after " + retry + " s");
            e.data().ifPresent(d -> ((ObjectNode) d).put("retry_after_seconds", retry));
            throw e;
        }
    }

    /** Drops every bucket that is full again; returns how many were dropped. */
    public int evictFull() {
        int[] dropped = {0};
        for (Key key : buckets.keySet()) {
            buckets.computeIfPresent(key, (k, h) -> {
                if (h.bucket().getAvailableTokens() >= h.capacity()) {
                    dropped[0]++;
                    return null;
                }
                return h;
            });
        }
        return dropped[0];
    }

    /** Number of live buckets (for diagnostics). */
    public int bucketCount() {
        return buckets.size();
    }
}
