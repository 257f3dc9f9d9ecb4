package dev.waygate.guard;

/**
 * What a detector does with what it finds. {@code ENFORCE}: deny the call (arguments) or redact /
 * strip (results). {@code REPORT}: let it through and record the finding (to try a detector on real
 * traffic before enforcing it). {@code OFF}: do not look.
 */
public enum Mode {
    ENFORCE, REPORT, OFF;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static java.util.Optional<Mode> parse(String s) {
        return switch (s) {
            case "enforce" -> java.util.Optional.of(ENFORCE);
            case "report" -> java.util.Optional.of(REPORT);
            case "off" -> java.util.Optional.of(OFF);
            default -> java.util.Optional.empty();
        };
    }
}
