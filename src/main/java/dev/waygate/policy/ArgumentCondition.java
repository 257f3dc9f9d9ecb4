package dev.waygate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import java.nio.file.Path;
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
 */
public record ArgumentCondition(String argument, List<String> prefixes, Optional<Pattern> pattern) {
    /** A percent escape: an upstream that URL-decodes would see other segments ({@code %2e%2e} is {@code ..}). */
    private static final Pattern ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");

    public ArgumentCondition {
        prefixes = List.copyOf(prefixes);
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
        return pattern.map(p -> p.matches(value)).orElse(true);
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
        return pattern.map(p -> p.matches(value)).orElse(true);
    }

    /**
     * Absolute, and read the same by every upstream: no {@code .}, {@code ..} or empty segments
     * (lexical resolution of {@code ..} is wrong across a symlink, so it is refused, not resolved),
     * no backslash (a separator on Windows), no percent escape, no control character (NUL ends the
     * path in C). One trailing slash is allowed.
     */
    public static boolean isCleanPath(String value) {
        if (!value.startsWith("/") || value.indexOf('\\') >= 0 || ESCAPE.matcher(value).find()) {
            return false;
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            return false;
        }
        String body = value.endsWith("/") && value.length() > 1 ? value.substring(1, value.length() - 1) : value.substring(1);
        if (body.isEmpty()) {
            return true;
        }
        for (String segment : body.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private boolean underPrefix(String clean) {
        Path p = Path.of(clean);
        for (String prefix : prefixes) {
            if (p.startsWith(Path.of(prefix))) {
                return true;
            }
        }
        return false;
    }
}
