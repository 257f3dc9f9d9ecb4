package dev.waygate.auth;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Key lifetimes and grace periods as people write them: {@code 30d}, {@code 12h}, {@code 90m}, {@code 45s}, or ISO-8601 ({@code PT1H}). */
public final class Lifetimes {
    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhd])");

    private Lifetimes() {}

    /** @throws java.time.format.DateTimeParseException when the text is neither form */
    public static Duration parse(String s) {
        Matcher m = SHORT.matcher(s);
        if (!m.matches()) {
            return Duration.parse(s);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
