package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditWriterTest {
    @TempDir
    Path data;

    @Test
    void concurrentWritersKeepOneUnbrokenChainAcrossRotatedFiles() throws Exception {
        int threads = 64;
        int each = 250;
        try (AuditWriter w = JournalSupport.writer(data, 64 * 1024, 500, FileChannel::open);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        w.record(JournalSupport.event(base + i));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.entries()).isEqualTo(threads * each);
        assertThat(r.lastSeq()).isEqualTo(threads * each);
        assertThat(r.files()).isGreaterThan(10);
        assertThat(r.lastCheckpoint()).get().extracting(Checkpoint::seq).isEqualTo((long) threads * each);
        assertThat(r.unmacked()).isZero();
        assertThat(JournalSupport.verify(data, false).intact()).isTrue();
    }

    @Test
    void failsClosedWhileTheJournalCannotBeWrittenAndRecovers() throws Exception {
        AtomicBoolean diskFull = new AtomicBoolean();
        Journal.Opener opener = (file, options) -> {
            if (diskFull.get()) {
                throw new IOException("No space left on device");
            }
            return FileChannel.open(file, options);
        };
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        try (AuditWriter w = JournalSupport.writer(data, 1 << 20, 1000, opener)) {
            for (int i = 0; i < 10; i++) {
                w.record(JournalSupport.event(i));
            }
            Path file = JournalFiles.list(journal).getLast().file().transform(journal::resolve);
            Path aside = data.resolve("aside");
            diskFull.set(true);
            Files.move(file, aside);
            assertThatThrownBy(() -> w.record(JournalSupport.event(10)))
                    .isInstanceOf(AuditUnavailableException.class).hasMessageContaining("gone");
            assertThat(w.unavailable()).isPresent();
            assertThatThrownBy(() -> w.record(JournalSupport.event(11))).isInstanceOf(AuditUnavailableException.class);
            Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE);
            diskFull.set(false);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (w.unavailable().isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(w.unavailable()).isEmpty();
            w.record(JournalSupport.event(12));
        }
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.entries()).isEqualTo(11);
    }

    /** Checkpoints are signed on their own thread while the writer runs, not only at close. */
    @Test
    void checkpointsFollowTheEntriesWhileTheWriterRuns() throws Exception {
        try (AuditWriter w = JournalSupport.writer(data, 1 << 20, 10, FileChannel::open)) {
            for (int i = 0; i < 25; i++) {
                w.record(JournalSupport.event(i));
            }
            VerifyReport r = JournalSupport.verify(data);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (r.lastCheckpoint().map(Checkpoint::seq).orElse(-1L) < 20 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                r = JournalSupport.verify(data);
            }
            assertThat(r.intact()).as(r.detail()).isTrue();
            assertThat(r.lastCheckpoint()).as("a checkpoint of the 20th entry or later, with the writer still open").get()
                    .extracting(Checkpoint::seq).matches(seq -> seq >= 20 && seq <= 25, "between 20 and 25");
        }
        VerifyReport closed = JournalSupport.verify(data);
        assertThat(closed.lastCheckpoint()).get().extracting(Checkpoint::seq).isEqualTo(25L);
    }

    /**
     * A checkpoint that cannot be written (its file replaced under the writer) is noticed by the
     * writer at its next batch: it re-opens the journal from disk and goes on checkpointing into the
     * file that is there now. No entry is lost and the journal verifies.
     */
    @Test
    void aCheckpointThatCannotBeWrittenReopensTheJournalAndCheckpointingGoesOn() throws Exception {
        Path cps = data.resolve(Audit.JOURNAL_DIR).resolve(JournalFiles.CHECKPOINTS);
        int written = 0;
        try (AuditWriter w = JournalSupport.writer(data, 1 << 20, 5, FileChannel::open)) {
            for (int i = 0; i < 7; i++) {
                w.record(JournalSupport.event(written++));
            }
            Path copy = data.resolve("copy");
            Files.copy(cps, copy);
            Files.move(copy, cps, StandardCopyOption.REPLACE_EXISTING);
            long linesBefore = Files.readAllLines(cps).size();
            for (int i = 0; i < 20; i++) {
                try {
                    w.record(JournalSupport.event(written));
                    written++;
                } catch (AuditUnavailableException e) {
                    assertThat(e).hasMessageContaining("replaced");   // refused, never recorded: not counted
                }
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Files.readAllLines(cps).size() <= linesBefore && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.readAllLines(cps).size()).as("checkpoints written into the file that replaced the old one")
                    .isGreaterThan((int) linesBefore);
        }
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as("%s at %s: %s", r.damage(), r.location(), r.detail()).isTrue();
        assertThat(r.entries()).isEqualTo(written);
        assertThat(r.lastCheckpoint()).get().extracting(Checkpoint::seq).isEqualTo((long) written);
    }

    @Test
    void recordLaterReturnsAtOnceAndCompletesOnlyOnceTheEntryIsOnDisk() throws Exception {
        try (AuditWriter w = JournalSupport.writer(data)) {
            List<java.util.concurrent.CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                all.add(w.recordLater(JournalSupport.event(i)));
            }
            all.getLast().get(30, java.util.concurrent.TimeUnit.SECONDS);
            // batches are written in queue order: the last one done means every one is
            assertThat(all).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
            assertThat(JournalSupport.verify(data).entries()).isEqualTo(500);
        }
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.entries()).isEqualTo(500);
    }

    @Test
    void recordLaterFailsAtOnceWhileTheJournalCannotBeWritten() throws Exception {
        AtomicBoolean diskFull = new AtomicBoolean();
        Journal.Opener opener = (file, options) -> {
            if (diskFull.get()) {
                throw new IOException("No space left on device");
            }
            return FileChannel.open(file, options);
        };
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        try (AuditWriter w = JournalSupport.writer(data, 1 << 20, 1000, opener)) {
            w.record(JournalSupport.event(0));
            Path file = JournalFiles.list(journal).getLast().file().transform(journal::resolve);
            diskFull.set(true);
            Files.move(file, data.resolve("aside"));
            var lost = w.recordLater(JournalSupport.event(1));
            assertThatThrownBy(() -> lost.get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(AuditUnavailableException.class);
            assertThat(w.recordLater(JournalSupport.event(2))).isCompletedExceptionally();
        }
    }

    @Test
    void aTornLastLineIsReportedThenCutAndRecordedOnReopen() throws Exception {
        try (AuditWriter w = JournalSupport.writer(data)) {
            for (int i = 0; i < 5; i++) {
                w.record(JournalSupport.event(i));
            }
        }
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        Path file = journal.resolve(JournalFiles.list(journal).getLast().file());
        Files.writeString(file, "{\"v\":1,\"seq\":6,\"time\":\"20", StandardOpenOption.APPEND);
        VerifyReport torn = JournalSupport.verify(data);
        assertThat(torn.intact()).as(torn.detail()).isTrue();
        assertThat(torn.tornTail()).get().asString().startsWith(file.getFileName() + ":6");
        assertThat(torn.entries()).isEqualTo(5);

        try (AuditWriter w = JournalSupport.writer(data)) {
            w.record(JournalSupport.event(6));
        }
        VerifyReport after = JournalSupport.verify(data);
        assertThat(after.intact()).as(after.detail()).isTrue();
        assertThat(after.tornTail()).isEmpty();
        assertThat(after.entries()).isEqualTo(7);
        assertThat(Files.readAllLines(file).get(5)).contains("\"action\":\"audit.recovered\"", "\"torn_bytes\":25");
    }

    @Test
    void keysAreOwnerOnlyAndThePublicKeyIsExported() throws Exception {
        try (AuditWriter w = JournalSupport.writer(data)) {
            w.record(JournalSupport.event(1));
        }
        Path keys = data.resolve(AuditKeys.DIR);
        assertThat(Files.getPosixFilePermissions(keys.resolve(AuditKeys.HMAC_FILE)).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(Files.getPosixFilePermissions(keys.resolve(AuditKeys.SIGNING_FILE)).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        AuditKeys k = AuditKeys.loadOrCreate(data);
        assertThat(data.resolve(Audit.JOURNAL_DIR).resolve(JournalFiles.PUBLIC_KEYS).resolve(k.signingKeyId() + ".pub"))
                .hasContent(k.publicKeyPem().strip());
    }
}
