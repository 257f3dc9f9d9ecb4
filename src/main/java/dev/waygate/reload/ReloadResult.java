package dev.waygate.reload;

import dev.waygate.policy.PolicySnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one reload did.
 *
 * @param outcome       applied (a new version is in force), unchanged (the file's content is the one
 *                      in force) or refused (the file is not valid; the old version stays)
 * @param inForce       the snapshot in force after the reload
 * @param restartNeeded top-level keys whose new values differ from what the gateway was started
 *                      with ({@code listen}, {@code servers}, ...): reported, not applied
 * @param error         why the file was refused, as {@code file:line: key: reason}; empty unless refused
 * @param trigger       what asked for the reload: {@code http}, {@code signal}, {@code file}
 * @param at            when the reload finished
 */
public record ReloadResult(Outcome outcome, PolicySnapshot inForce, List<String> restartNeeded, Optional<String> error,
                           String trigger, Instant at) {
    public enum Outcome { APPLIED, UNCHANGED, REFUSED }

    public ReloadResult {
        restartNeeded = List.copyOf(restartNeeded);
        if ((outcome == Outcome.REFUSED) != error.isPresent()) {
            throw new IllegalArgumentException("an error goes with a refusal, and only with one");
        }
    }

    public boolean applied() {
        return outcome == Outcome.APPLIED;
    }

    /** One line for the log. */
    public String summary() {
        String head = switch (outcome) {
            case APPLIED -> "policy version " + inForce.version() + " loaded (" + inForce.policy().rules().size() + " rules, default "
                    + inForce.policy().defaultEffect().name().toLowerCase(java.util.Locale.ROOT) + ")";
            case UNCHANGED -> "policy unchanged, version " + inForce.version() + " stays";
            case REFUSED -> "policy reload refused, version " + inForce.version() + " stays: " + error.orElseThrow();
        };
        return head + " [" + trigger + "]" + (restartNeeded.isEmpty() ? ""
                : "; changes to " + String.join(", ", restartNeeded) + " need a restart (not applied)");
    }
}
