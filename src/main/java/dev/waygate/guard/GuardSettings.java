package dev.waygate.guard;

import dev.waygate.net.Cidr;
import dev.waygate.policy.Glob;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated {@code guards:} section and the per-rule overrides ({@code policy.rules[].guards}).
 * What absent means is the secure default: secrets denied in arguments and redacted in results,
 * traversal checked on path-like arguments, SSRF on URL-like ones, prompt injection reported, PII
 * off, and the injection detectors armed but idle until arguments are marked for them.
 *
 * @param modes            per detector; detectors not named keep {@link Check#defaultMode()}
 * @param roots            absolute, normalised directories path arguments must stay in; empty: only
 *                         {@code ..} is checked
 * @param pathArguments    argument names treated as paths, besides the built-in ones
 * @param urlArguments     argument names treated as URLs, besides the built-in ones
 * @param shellArguments   argument names that reach a shell (command injection)
 * @param shellTools       every string argument of these tools reaches a shell
 * @param sqlArguments     argument names interpolated into SQL as values
 * @param htmlArguments    argument names rendered as HTML
 * @param urlSchemes       schemes URL arguments may use
 * @param allowedCidrs     internal ranges URL arguments may reach anyway
 * @param limits           bounds on what the argument guard inspects
 * @param ruleModes        per policy rule name: modes overriding {@code modes}
 */
public record GuardSettings(Map<Check, Mode> modes, List<Path> roots, Set<String> pathArguments, Set<String> urlArguments,
                            Set<String> shellArguments, List<Glob> shellTools, Set<String> sqlArguments,
                            Set<String> htmlArguments, Set<String> urlSchemes, List<Cidr> allowedCidrs, Limits limits,
                            Map<String, Map<Check, Mode>> ruleModes) {

    public static final Set<String> DEFAULT_SCHEMES = Set.of("http", "https");
    public static final GuardSettings DEFAULTS = new GuardSettings(Map.of(), List.of(), Set.of(), Set.of(), Set.of(),
            List.of(), Set.of(), Set.of(), DEFAULT_SCHEMES, List.of(), Limits.DEFAULTS, Map.of());

    /**
     * @param maxDepth        nesting of objects and arrays
     * @param maxValues       values (strings, numbers, containers) in one argument set
     * @param maxStringLength characters in one string
     */
    public record Limits(int maxDepth, int maxValues, int maxStringLength) {
        public static final Limits DEFAULTS = new Limits(32, 10_000, 1 << 20);
        /** Results are larger than arguments and are not under the caller's control; bounds are wider. */
        public static final Limits RESULTS = new Limits(64, 1_000_000, 16 << 20);
    }

    public GuardSettings {
        EnumMap<Check, Mode> m = new EnumMap<>(Check.class);
        for (Check c : Check.values()) {
            m.put(c, c.defaultMode());
        }
        m.putAll(modes);
        m.put(Check.LIMITS, Mode.ENFORCE);
        modes = java.util.Collections.unmodifiableMap(m);
        roots = List.copyOf(roots);
        pathArguments = Set.copyOf(pathArguments);
        urlArguments = Set.copyOf(urlArguments);
        shellArguments = Set.copyOf(shellArguments);
        shellTools = List.copyOf(shellTools);
        sqlArguments = Set.copyOf(sqlArguments);
        htmlArguments = Set.copyOf(htmlArguments);
        urlSchemes = Set.copyOf(urlSchemes);
        allowedCidrs = List.copyOf(allowedCidrs);
        ruleModes = Map.copyOf(ruleModes);
    }

    /** The modes for a call allowed by {@code rule}: the rule's overrides over the section's. */
    public Map<Check, Mode> modesFor(String rule) {
        Map<Check, Mode> over = ruleModes.get(rule);
        if (over == null || over.isEmpty()) {
            return modes;
        }
        EnumMap<Check, Mode> m = new EnumMap<>(modes);
        m.putAll(over);
        m.put(Check.LIMITS, Mode.ENFORCE);
        return m;
    }

    public boolean shellTool(String tool) {
        for (Glob g : shellTools) {
            if (g.matches(tool)) {
                return true;
            }
        }
        return false;
    }
}
