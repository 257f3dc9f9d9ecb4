package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.waygate.config.AuditConfig;
import dev.waygate.store.Database;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's lock is held from open to close, also while the journal is failing and being
 * re-opened: a second audit log on the same directory is refused all that time, and gets it once the
 * first is closed. (Two processes: {@code AuditLockIT}.)
 */
class JournalLockTest {
    @TempDir
    Path data;

    @Test
    void aSecondAuditLogIsRefusedEvenWhileTheFirstIsFailingAndGetsTheJournalOnceItCloses() throws Exception {
        AtomicBoolean diskFull = new AtomicBoolean();
        Journal.Opener opener = (file, options) -> {
            if (diskFull.get()) {
                throw new IOException("No space left on device");
            }
            return FileChannel.open(file, options);
        };
        Path journal = data.resolve(Audit.JOURNAL_DIR).toAbsolutePath();
        try (Database db = Database.open(data)) {
            try (Audit first = Audit.open(data, AuditConfig.DEFAULTS, db, opener)) {
                first.record(JournalSupport.event(1));
                assertThat(Files.readString(journal.resolve(JournalLock.FILE)))
                        .startsWith("pid " + ProcessHandle.current().pid());
                assertThatThrownBy(() -> Audit.open(data, AuditConfig.DEFAULTS, db))
                        .isInstanceOf(AuditUnavailableException.class)
                        .hasMessageContaining("the audit journal in " + journal + " is in use by")
                        .hasMessageContaining("pid " + ProcessHandle.current().pid());

                // the journal breaks (its file is gone, and re-opening fails): the lock stays
                diskFull.set(true);
                Path file = journal.resolve(JournalFiles.list(journal).getLast().file());
                Files.move(file, data.resolve("aside"));
                assertThatThrownBy(() -> first.record(JournalSupport.event(2))).isInstanceOf(AuditUnavailableException.class);
                assertThat(first.unavailable()).isPresent();
                assertThatThrownBy(() -> Audit.open(data, AuditConfig.DEFAULTS, db))
                        .as("no one else takes the journal while its owner recovers")
                        .isInstanceOf(AuditUnavailableException.class).hasMessageContaining("is in use by");
                Files.move(data.resolve("aside"), file);
                diskFull.set(false);
            }
            try (Audit second = Audit.open(data, AuditConfig.DEFAULTS, db)) {
                assertThat(second.unavailable()).isEmpty();
                second.record(JournalSupport.event(3));
            }
        }
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.entries()).isEqualTo(2);
    }
}
