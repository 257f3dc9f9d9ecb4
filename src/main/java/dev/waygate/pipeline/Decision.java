package dev.waygate.pipeline;

/**
 * What a stage decided, as a value. The same {@code reasonCode} appears in the client's error, the
 * audit entry, the log line and the metric label.
 *
 * @param allowed             the call may go on
 * @param reasonCode          stable, snake_case (e.g. {@code unauthenticated}, {@code unknown_tool})
 * @param ruleId              the rule that decided, or empty
 * @param wouldDenyIfEnforced in report mode: allowed, but an enforcing stage would have denied
 */
public record Decision(boolean allowed, String reasonCode, String ruleId, boolean wouldDenyIfEnforced) {
    public static Decision deny(String reasonCode) {
        return new Decision(false, reasonCode, "", false);
    }
}
