package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The feeder alone, with an index that can be held up: batches it has no room for are not lost but
 * read back from the journal (from the first one not queued) once its queue is empty.
 */
class IndexFeederTest {
    static List<Journal.Sealed> batch(long seq) {
        AuditEvent e = new AuditEvent(Instant.parse("2026-11-22T00:00:00Z"), "c", "p", "tools/call", "t",
                AuditEvent.Outcome.ALLOW, "", 1, "ok", null);
        return List.of(new Journal.Sealed(e, seq, "audit-2026-11-22.jsonl", 0, "{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void batchesWithNoRoomAreReadBackFromTheJournalFromTheFirstOneMissed() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch inserting = new CountDownLatch(1);
        List<Long> inserted = new CopyOnWriteArrayList<>();
        AtomicLong refilledFrom = new AtomicLong(-1);
        IndexFeeder feeder = new IndexFeeder(b -> {
            inserting.countDown();
            try {
                held.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            b.forEach(s -> inserted.add(s.seq()));
        }, () -> {}, from -> {
            refilledFrom.set(from);
        }).start();
        try {
            feeder.accept(batch(1));
            assertThat(inserting.await(10, TimeUnit.SECONDS)).isTrue();   // the feeder is stuck in the index
            long seq = 2;
            for (int i = 0; i < IndexFeeder.QUEUE_BATCHES; i++) {
                feeder.accept(batch(seq++));
            }
            long firstMissed = seq;
            for (int i = 0; i < 5; i++) {
                feeder.accept(batch(seq++));   // no room
            }
            held.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (refilledFrom.get() < 0 && System.nanoTime() < deadline) {
                feeder.drain();
            }
            assertThat(refilledFrom.get()).as("read back from the first batch not queued").isEqualTo(firstMissed);
            assertThat(inserted).hasSize(1 + IndexFeeder.QUEUE_BATCHES).doesNotContain(firstMissed);
        } finally {
            held.countDown();
            feeder.close();
        }
    }
}
