package dev.waygate.audit;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load harness, not a test (run by hand, see README "Audit log"): durable entries per second with
 * group commit and many callers, against one thread forcing after every entry, in the same run; then
 * the verifier's speed on the journal written.
 * <pre>java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.waygate.audit.AuditThroughput [callers] [seconds] [verifyEntries]</pre>
 */
public final class AuditThroughput {
    public static void main(String[] args) throws Exception {
        int callers = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int verifyEntries = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;

        Path base = Files.createTempDirectory("audit-bench");
        System.out.printf("fsync per entry, 1 thread:  %,.0f entries/s%n", baseline(base.resolve("single"), seconds));
        System.out.printf("group commit, %d callers: %,.0f entries/s%n", callers, grouped(base.resolve("group"), callers, seconds));
        System.out.printf("group commit + search index (Audit as served), %d callers: %,.0f entries/s%n", callers,
                served(base.resolve("served"), callers, seconds));

        Path big = base.resolve("big");
        try (AuditWriter w = JournalSupport.writer(big, 64L << 20, 10_000, FileChannel::open);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            AtomicInteger n = new AtomicInteger();
            for (int t = 0; t < callers; t++) {
                pool.submit(() -> {
                    int i;
                    while ((i = n.getAndIncrement()) < verifyEntries) {
                        w.record(JournalSupport.event(i));
                    }
                });
            }
        }
        long t0 = System.nanoTime();
        VerifyReport r = JournalSupport.verify(big);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("verify %,d entries in %d files: %.2f s (%,.0f entries/s), intact=%s%n", r.entries(), r.files(), s,
                r.entries() / s, r.intact());
    }

    private static double baseline(Path dir, int seconds) throws Exception {
        AuditKeys keys = AuditKeys.loadOrCreate(dir);
        Journal j = new Journal(dir.resolve(Audit.JOURNAL_DIR), keys, "i-bench", 64L << 20, 0, java.time.Clock.systemUTC(), FileChannel::open);
        j.open();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long count = 0;
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            j.append(List.of(JournalSupport.event((int) count)));
            j.force();
            count++;
        }
        double rate = count / ((System.nanoTime() - start) / 1e9);
        j.close();
        return rate;
    }

    /** The same load through {@link Audit} as {@code serve} opens it: journal, writer and the SQLite search index. */
    private static double served(Path dir, int callers, int seconds) throws Exception {
        AtomicInteger count = new AtomicInteger();
        long start;
        try (var db = dev.waygate.store.Database.open(dir);
             Audit audit = Audit.open(dir, dev.waygate.config.AuditConfig.DEFAULTS, db)) {
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                start = System.nanoTime();
                long end = start + seconds * 1_000_000_000L;
                for (int t = 0; t < callers; t++) {
                    pool.submit(() -> {
                        while (System.nanoTime() < end) {
                            audit.record(JournalSupport.event(count.get()));
                            count.incrementAndGet();
                        }
                    });
                }
            }
            return count.get() / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double grouped(Path dir, int callers, int seconds) throws Exception {
        AtomicInteger count = new AtomicInteger();
        long start;
        long end;
        try (AuditWriter w = JournalSupport.writer(dir, 64L << 20, 10_000, FileChannel::open);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            start = System.nanoTime();
            end = start + seconds * 1_000_000_000L;
            for (int t = 0; t < callers; t++) {
                pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        w.record(JournalSupport.event(count.get()));
                        count.incrementAndGet();
                    }
                });
            }
        }
        return count.get() / ((System.nanoTime() - start) / 1e9);
    }
}
