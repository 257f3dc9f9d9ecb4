package dev.waygate.config;

/**
 * The {@code pinning:} section: tool pinning against rug pulls (decision 0017). Absent: enforce.
 *
 * @param mode {@code enforce} (default): a tool whose definition changed since it was approved, or
 *             whose description is poisoned on first sight, is hidden and refused until an admin
 *             approves it; {@code report}: the same is recorded (log, audit, {@code GET /tools/pins})
 *             but the tool stays usable; {@code off}: nothing is pinned or checked
 */
public record PinningConfig(Mode mode) {
    public static final Mode DEFAULT_MODE = Mode.ENFORCE;
    public static final PinningConfig DEFAULTS = new PinningConfig(DEFAULT_MODE);

    public enum Mode {
        ENFORCE, REPORT, OFF;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public PinningConfig {
        java.util.Objects.requireNonNull(mode, "mode");
    }
}
