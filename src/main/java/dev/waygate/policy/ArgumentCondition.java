package dev.waygate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import java.util.List;
import java.util.Optional;

/**
 * A condition on one top-level string argument of a call. A missing (or null) argument never satisfies it
 * (a rule cannot be satisfied by omitting what it checks). A present value the condition cannot
 * judge (not a string, or for a prefix not a clean absolute path) never satisfies an allowing rule
 * and always satisfies a denying one: neither kind of rule can be dodged by sending a value the
 * gateway reads one way and the upstream another.
 *
 * @param argument the argument's name
 * @param prefixes the value, a clean absolute path, lies under one of these (path-segment aware:
 *                 {@code /srv/data} does not cover {@code /srv/database}); empty means no path check
 * @param pattern  the whole value matches this RE2 expression; empty means no pattern check
 * @param literalPrefix what every match of the pattern starts with (derived; "" when unknown)
 */
public record ArgumentCondition(String argument, List<String> prefixes, Optional<Pattern> pattern, String literalPrefix) {
    public ArgumentCondition {
        prefixes = List.copyOf(prefixes);
    }

    /** With the pattern's literal prefix worked out (a cheap test before the regex). */
    public ArgumentCondition(String argument, List<String> prefixes, Optional<Pattern> pattern) {
        this(argument, prefixes, pattern, pattern.map(p -> literalPrefix(p.pattern())).orElse(""));
    }

    /**
     * The characters every match must start with: the pattern's leading plain characters, stopping
     * at the first metacharacter (and dropping the character a quantifier applies to). Empty when
     * there is an alternation anywhere or the pattern starts with a group or flag.
     */
    static String literalPrefix(String regex) {
        if (regex.indexOf('|') >= 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if ("\\.^$|?*+()[]{}".indexOf(c) >= 0) {
                if ((c == '?' || c == '*' || c == '{' || c == '+') && sb.length() > 0) {
                    sb.setLength(sb.length() - 1);
                }
                break;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private boolean patternHolds(String value) {
        return pattern.isEmpty() || (value.startsWith(literalPrefix) && pattern.get().matches(value));
    }

    /** For an allowing rule: the value is present, a string, and passes every check. */
    public boolean holds(JsonNode arguments) {
        JsonNode v = arguments.get(argument);
        if (v == null || !v.isTextual()) {
            return false;
        }
        String value = v.asText();
        if (!prefixes.isEmpty() && !(isCleanPath(value) && underPrefix(value))) {
            return false;
        }
        return patternHolds(value);
    }

    /** For a denying rule: the value is present and either passes every check or cannot be judged. */
    public boolean mayHold(JsonNode arguments) {
        JsonNode v = arguments.get(argument);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isTextual()) {
            return true;
        }
        String value = v.asText();
        if (!prefixes.isEmpty() && isCleanPath(value) && !underPrefix(value)) {
            return false;
        }
        return patternHolds(value);
    }

    /**
     * Absolute, and read the same by every upstream: no {@code .}, {@code ..} or empty segments
     * (lexical resolution of {@code ..} is wrong across a symlink, so it is refused, not resolved),
     * no backslash (a separator on Windows), no percent escape, no control character (NUL ends the
     * path in C). One trailing slash is allowed.
     */
    public static boolean isCleanPath(String value) {
        int n = value.length();
        if (n == 0 || value.charAt(0) != '/') {
            return false;
        }
        int limit = n > 1 && value.charAt(n - 1) == '/' ? n - 1 : n;   // one trailing slash is allowed
        int segmentStart = 1;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == '\\' || Character.isISOControl(c)
                    || (c == '%' && i + 2 < n && hex(value.charAt(i + 1)) && hex(value.charAt(i + 2)))) {
                return false;
            }
            if (i > 0 && (c == '/' || i == limit) && i <= limit && badSegment(value, segmentStart, i)) {
                return false;
            }
            if (c == '/') {
                segmentStart = i + 1;
            }
        }
        return limit == n ? !(n > 1 && badSegment(value, segmentStart, n)) : true;
    }

    /** An empty, {@code .} or {@code ..} segment between {@code from} and {@code to}. */
    private static boolean badSegment(String s, int from, int to) {
        int len = to - from;
        return len == 0 || (len == 1 && s.charAt(from) == '.') || (len == 2 && s.charAt(from) == '.' && s.charAt(from + 1) == '.');
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Segment-aware: {@code /srv/data} covers {@code /srv/data} and {@code /srv/data/x}, not {@code /srv/database}. */
    private boolean underPrefix(String clean) {
        String v = clean.length() > 1 && clean.endsWith("/") ? clean.substring(0, clean.length() - 1) : clean;
        for (String prefix : prefixes) {
            String p = prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (p.equals("/") || v.equals(p) || (v.startsWith(p) && v.charAt(p.length()) == '/')) {
                return true;
            }
        }
        return false;
    }
}
