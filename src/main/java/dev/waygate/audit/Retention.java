package dev.waygate.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes journal files of days before the cut-off. Runs at rotation, after the checkpoint that
 * closed the previous file: every removed file ends at or before a signed checkpoint, and the first
 * file kept starts right after one, so the verifier can anchor the chain there.
 */
final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private Retention() {}

    static void removeExpired(Path dir, JournalFiles.Name current, LocalDate cutoff) throws IOException {
        for (JournalFiles.Name n : JournalFiles.list(dir)) {
            if (n.compareTo(current) < 0 && n.day().isBefore(cutoff)) {
                Files.deleteIfExists(dir.resolve(n.file()));
                LOG.info("audit: removed {} (older than the retention period)", n.file());
            }
        }
    }
}
