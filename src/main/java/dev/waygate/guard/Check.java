package dev.waygate.guard;

/** The detectors, by their stable names: configuration keys, {@code data.detector}, audit and metrics. */
public enum Check {
    COMMAND_INJECTION(Mode.ENFORCE),
    PATH_TRAVERSAL(Mode.ENFORCE),
    SSRF(Mode.ENFORCE),
    SQL_INJECTION(Mode.ENFORCE),
    SCRIPT_INJECTION(Mode.ENFORCE),
    /** In arguments: enforce denies (exfiltration). */
    SECRETS(Mode.ENFORCE),
    /**
     * In results: enforce redacts. Configured with {@code secrets} too (a scalar sets both
     * directions, {@code { arguments: M, results: M }} each); findings name {@code secrets}.
     */
    RESULT_SECRETS(Mode.ENFORCE),
    /** Results only; redaction of personal data is opt-in. */
    PII(Mode.OFF),
    /** Results only; reported, not stripped, unless configured. */
    PROMPT_INJECTION(Mode.REPORT),
    /** Depth, size and string-length limits on what the guards inspect; always enforced. */
    LIMITS(Mode.ENFORCE);

    private final Mode defaultMode;

    Check(Mode defaultMode) {
        this.defaultMode = defaultMode;
    }

    public Mode defaultMode() {
        return defaultMode;
    }

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static java.util.Optional<Check> byCode(String code) {
        for (Check c : values()) {
            if (c.code().equals(code)) {
                return java.util.Optional.of(c);
            }
        }
        return java.util.Optional.empty();
    }
}
