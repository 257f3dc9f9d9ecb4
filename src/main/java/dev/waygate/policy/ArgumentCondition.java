package dev.waygate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A condition on one top-level string argument of a tool call. The argument must be present and a
 * string; otherwise the condition does not hold (a rule cannot be satisfied by omitting what it
 * checks).
 *
 * @param argument the argument's name
 * @param prefixes the value, as a normalised path, lies under one of these (path-segment aware:
 *                 {@code /srv/data} does not cover {@code /srv/database}); empty means no path check
 * @param pattern  the whole value matches this RE2 expression; empty means no pattern check
 */
public record ArgumentCondition(String argument, List<String> prefixes, Optional<Pattern> pattern) {
    public ArgumentCondition {
        prefixes = List.copyOf(prefixes);
    }

    public boolean holds(JsonNode arguments) {
        JsonNode v = arguments.get(argument);
        if (v == null || !v.isTextual()) {
            return false;
        }
        String value = v.asText();
        if (!prefixes.isEmpty() && !underPrefix(value)) {
            return false;
        }
        return pattern.map(p -> p.matches(value)).orElse(true);
    }

    /** {@code ..} segments are resolved before comparing: {@code /srv/data/../../etc} is not under {@code /srv/data}. */
    private boolean underPrefix(String value) {
        if (value.indexOf('\0') >= 0) {
            return false;
        }
        Path p;
        try {
            p = Path.of(value).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
        if (!p.isAbsolute()) {
            return false;
        }
        for (String prefix : prefixes) {
            if (p.startsWith(Path.of(prefix).normalize())) {
                return true;
            }
        }
        return false;
    }
}
