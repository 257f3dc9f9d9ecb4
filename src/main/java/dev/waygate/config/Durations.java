package dev.waygate.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in configuration: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Durations() {}

    static Duration parse(Node node) {
        Matcher m = FORM.matcher(node.asString().trim());
        if (!m.matches()) {
            throw node.error("must be a duration like 500ms, 30s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero()) {
            throw node.error("must be longer than zero");
        }
        return d;
    }
}
