package dev.waygate.config;

import dev.waygate.guard.Check;
import dev.waygate.guard.GuardSettings;
import dev.waygate.guard.Mode;
import dev.waygate.net.Cidr;
import dev.waygate.policy.Glob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the {@code guards:} section and the {@code guards:} of policy rules. Absent means the
 * secure defaults of {@link GuardSettings#DEFAULTS}; an empty list means "none" where a list adds
 * to built-in names and is an error where it would silently disable a check.
 */
final class GuardReader {
    private static final Set<String> MODE_KEYS = modeKeys();
    private static final Set<String> KEYS = keys();
    private static final Set<String> LIMIT_KEYS = Set.of("max_depth", "max_values", "max_string_length");
    private static final Pattern TOOL_CHARS = Pattern.compile("[A-Za-z0-9_.\\-]");

    private GuardReader() {}

    private static Set<String> modeKeys() {
        Set<String> s = new LinkedHashSet<>();
        for (Check c : Check.values()) {
            if (c != Check.LIMITS && c != Check.RESULT_SECRETS) {
                s.add(c.code());
            }
        }
        return Set.copyOf(s);
    }

    private static Set<String> keys() {
        Set<String> s = new LinkedHashSet<>(MODE_KEYS);
        s.addAll(List.of("roots", "path_arguments", "url_arguments", "shell_arguments", "shell_tools", "sql_arguments",
                "html_arguments", "url_schemes", "allowed_cidrs", "limits"));
        return Set.copyOf(s);
    }

    static GuardSettings read(Optional<Node> section, Path base, Map<String, Map<Check, Mode>> ruleModes) {
        if (section.isEmpty()) {
            return new GuardSettings(Map.of(), List.of(), Set.of(), Set.of(), Set.of(), List.of(), Set.of(), Set.of(),
                    GuardSettings.DEFAULT_SCHEMES, List.of(), GuardSettings.Limits.DEFAULTS, ruleModes);
        }
        Node n = section.get().requireKeys(KEYS);
        Map<Check, Mode> modes = modes(n, true);
        List<Path> roots = new ArrayList<>();
        for (Node r : n.optional("roots").map(Node::asList).orElse(List.of())) {
            String text = r.asString();
            if (text.isBlank() || text.contains("\0")) {
                throw r.error("must be a directory path");
            }
            roots.add(base.resolve(text).toAbsolutePath().normalize());
        }
        List<Glob> shellTools = new ArrayList<>();
        for (Node g : n.optional("shell_tools").map(Node::asList).orElse(List.of())) {
            try {
                shellTools.add(Glob.of(g.asString(), TOOL_CHARS));
            } catch (IllegalArgumentException e) {
                throw g.error(e.getMessage());
            }
        }
        Set<String> schemes = GuardSettings.DEFAULT_SCHEMES;
        if (n.has("url_schemes")) {
            schemes = new LinkedHashSet<>();
            for (Node s : n.child("url_schemes").asList()) {
                String v = s.asString().toLowerCase(java.util.Locale.ROOT);
                if (!v.matches("[a-z][a-z0-9+.-]{0,31}")) {
                    throw s.error("must be a URL scheme such as https (without ://)");
                }
                schemes.add(v);
            }
            if (schemes.isEmpty()) {
                throw n.child("url_schemes").error("an empty list refuses every URL argument: use ssrf: enforce with the defaults, or list schemes");
            }
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (Node c : n.optional("allowed_cidrs").map(Node::asList).orElse(List.of())) {
            try {
                cidrs.add(Cidr.parse(c.asString().trim()));
            } catch (IllegalArgumentException e) {
                throw c.error(e.getMessage());
            }
        }
        GuardSettings.Limits limits = n.optional("limits").map(GuardReader::limits).orElse(GuardSettings.Limits.DEFAULTS);
        return new GuardSettings(modes, roots, names(n, "path_arguments"), names(n, "url_arguments"),
                names(n, "shell_arguments"), shellTools, names(n, "sql_arguments"), names(n, "html_arguments"), schemes,
                cidrs, limits, ruleModes);
    }

    /**
     * Detector modes from a mapping: each key a detector name, each value enforce, report or off.
     *
     * @param section whether other keys may appear (the top-level section) or only detector names (a rule)
     */
    static Map<Check, Mode> modes(Node n, boolean section) {
        if (!section) {
            n.requireKeys(MODE_KEYS);
        }
        Map<Check, Mode> out = new EnumMap<>(Check.class);
        for (String key : MODE_KEYS) {
            if (!n.has(key)) {
                continue;
            }
            Node v = n.child(key);
            Check c = Check.byCode(key).orElseThrow();
            if (c == Check.SECRETS && v.isObject()) {
                v.requireKeys(Set.of("arguments", "results"));
                v.optional("arguments").ifPresent(a -> out.put(Check.SECRETS, mode(a)));
                v.optional("results").ifPresent(r -> out.put(Check.RESULT_SECRETS, mode(r)));
                continue;
            }
            out.put(c, mode(v));
            if (c == Check.SECRETS) {
                out.put(Check.RESULT_SECRETS, mode(v));
            }
        }
        return out;
    }

    /** YAML 1.1 reads a bare {@code off} as false: that is {@code off} too. */
    private static Mode mode(Node v) {
        String text = v.asString();
        return Mode.parse(text.equals("false") ? "off" : text).orElseThrow(() -> v.error("must be enforce, report or off"));
    }

    private static Set<String> names(Node n, String key) {
        Set<String> out = new LinkedHashSet<>();
        for (Node v : n.optional(key).map(Node::asList).orElse(List.of())) {
            String s = v.asString();
            if (s.isBlank()) {
                throw v.error("must be an argument name");
            }
            out.add(s);
        }
        return out;
    }

    private static GuardSettings.Limits limits(Node n) {
        n.requireKeys(LIMIT_KEYS);
        GuardSettings.Limits d = GuardSettings.Limits.DEFAULTS;
        return new GuardSettings.Limits(
                n.optional("max_depth").map(x -> x.asInt(1, 1000)).orElse(d.maxDepth()),
                n.optional("max_values").map(x -> x.asInt(1, 10_000_000)).orElse(d.maxValues()),
                n.optional("max_string_length").map(x -> x.asInt(1, 64 << 20)).orElse(d.maxStringLength()));
    }
}
