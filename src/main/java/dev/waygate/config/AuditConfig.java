package dev.waygate.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code audit:} section. Absent: every default below.
 *
 * @param mode               {@code durable} (default): a call is answered only after its entry is on
 *                           disk; {@code async}: answered at once, entries written within milliseconds
 *                           (a crash can lose the last ones)
 * @param checkpointEvery    a signed checkpoint after this many entries
 * @param checkpointInterval ... or after this long with new entries, whichever comes first
 * @param maxFileBytes       a journal file is rotated before it grows past this size
 * @param redactFields       argument names redacted in addition to the built-in secret names; empty: none
 * @param retentionDays      journal files older than this many days are removed (after a checkpoint
 *                           anchors what follows); 0 (default): kept forever
 */
public record AuditConfig(Mode mode, int checkpointEvery, Duration checkpointInterval, long maxFileBytes,
                          List<String> redactFields, int retentionDays) {
    public static final Mode DEFAULT_MODE = Mode.DURABLE;
    public static final int DEFAULT_CHECKPOINT_EVERY = 1000;
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_FILE_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_RETENTION_DAYS = 0;
    public static final AuditConfig DEFAULTS = new AuditConfig(DEFAULT_MODE, DEFAULT_CHECKPOINT_EVERY,
            DEFAULT_CHECKPOINT_INTERVAL, DEFAULT_MAX_FILE_BYTES, List.of(), DEFAULT_RETENTION_DAYS);

    public enum Mode { DURABLE, ASYNC }

    public AuditConfig {
        redactFields = List.copyOf(redactFields);
    }
}
