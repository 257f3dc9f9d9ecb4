package dev.waygate.policy;

import dev.waygate.ratelimit.RateLimits;
import java.time.Instant;
import java.util.Objects;

/**
 * The policy in force, as one value: the rules and the rate limits read from the same file
 * content. A call is judged by exactly one snapshot (see {@link PolicyStage#SNAPSHOT}); a reload
 * replaces the whole value, never a part of it.
 *
 * @param policy     the rules and default
 * @param rateLimits global and per-rule limits; the per-rule ones are keyed by this policy's rule names
 * @param version    1 at start, one more for each reload that changed the file
 * @param loadedAt   when this content was validated
 * @param digest     SHA-256 (hex) of the configuration file's content; empty when not read from a file
 * @param guards     the {@code guards:} section and the rules' guard overrides, read from the same content
 */
public record PolicySnapshot(Policy policy, RateLimits rateLimits, long version, Instant loadedAt, String digest,
                             dev.waygate.guard.GuardSettings guards) {
    public PolicySnapshot {
        Objects.requireNonNull(guards, "guards");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(rateLimits, "rateLimits");
        Objects.requireNonNull(loadedAt, "loadedAt");
        Objects.requireNonNull(digest, "digest");
        if (version < 1) {
            throw new IllegalArgumentException("version starts at 1");
        }
    }

    /** Default guard settings. */
    public PolicySnapshot(Policy policy, RateLimits rateLimits, long version, Instant loadedAt, String digest) {
        this(policy, rateLimits, version, loadedAt, digest, dev.waygate.guard.GuardSettings.DEFAULTS);
    }

    /** A fixed policy (tests, tools that never reload): version 1, no digest. */
    public static PolicySnapshot of(Policy policy, RateLimits rateLimits) {
        return new PolicySnapshot(policy, rateLimits, 1, Instant.now(), "");
    }
}
