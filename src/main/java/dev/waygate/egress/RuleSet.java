package dev.waygate.egress;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The ordered egress rules and what happens when none applies.
 *
 * @param rules       in evaluation order
 * @param unmatched   {@code DENY} (the default), or {@code REPORT}: allow and record the denial, to
 *                    roll a rule set out (SSRF is still enforced)
 * @param source      where the rules came from, for the log ({@code waygate.yaml}, {@code + rules.json})
 * @param file        the {@code rules_file} they were read from, if any: the configuration watcher
 *                    watches it too
 */
public record RuleSet(List<EgressRule> rules, Unmatched unmatched, String source, Optional<Path> file) {
    public static final RuleSet DENY_ALL = new RuleSet(List.of(), Unmatched.DENY, "");

    public enum Unmatched { DENY, REPORT }

    public RuleSet {
        rules = List.copyOf(rules);
    }

    /** Rules written in the configuration file itself. */
    public RuleSet(List<EgressRule> rules, Unmatched unmatched, String source) {
        this(rules, unmatched, source, Optional.empty());
    }
}
