package dev.waygate.audit;

import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** For tests in other packages: a journal as an earlier gateway left it, written with the data directory's keys. */
public final class JournalFixtures {
    private JournalFixtures() {}

    /**
     * Writes {@code perDay} entries on each of {@code days} consecutive days from {@code first}
     * (one file per day), then the final checkpoint.
     *
     * @return how many entries were written
     */
    public static int writeDays(Path dataDir, LocalDate first, int days, int perDay) {
        int n = 0;
        try (AuditWriter w = JournalSupport.writer(dataDir, 0, 1000, Clock.systemUTC())) {
            for (int d = 0; d < days; d++) {
                for (int i = 0; i < perDay; i++) {
                    w.record(JournalSupport.event(first.plusDays(d).atTime(9, i).toInstant(ZoneOffset.UTC), ++n));
                }
            }
        }
        return n;
    }
}
