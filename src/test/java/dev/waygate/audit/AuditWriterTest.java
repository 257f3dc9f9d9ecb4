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
