package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The audit search index: its insert ({@link AuditIndex#insert}, what the {@link IndexFeeder} thread
 * runs for every batch of durable journal entries) on the real {@code audit-index.db}
 * ({@link Database#openIndex}), with entries like the load harness's: a tools/call of
 * {@code echo__echo}, sealed as the journal seals them (~450-byte lines). Batches of 64 rows (a
 * moderate load: what 20 ms of linger gathers at ~3,000 calls/s) and 512 (the feeder's cap); scores
 * per row (JMH operations = rows). And searches ({@code GET /audit}) on an index of 200,000 entries
 * over 10 journal files. In package {@code dev.waygate.audit} because the insert and the sealed
 * entries are package-private. {@code BENCH_DIR}: where it writes (not a tmpfs).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-DWAYGATE_LOG_LEVEL=WARN"})
public class AuditIndexBench {
    private Path dir;
    private Database db;
    private AuditIndex index;
    private Entries entries;

    /** Sealed entries as the journal makes them, each {@link #FILE_ROWS} in a file of its own; with {@code write}, also written there. */
    static final class Entries {
        static final int FILE_ROWS = 20_000;
        private final JsonNode args;
        private final Path journal;
        private final boolean write;
        private final Instant start = Instant.parse("2026-11-22T00:00:00Z");
        long seq;
        private long offset;
        private OutputStream out;

        Entries(Path journal, boolean write) {
            this.journal = journal;
            this.write = write;
            try {
                args = new Redactor(List.of()).summary(Json.parse(
                        "{\"text\":\"bench-echo-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ\"}"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<Journal.Sealed> next(int n) {
            List<Journal.Sealed> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                seq++;
                AuditEvent e = new AuditEvent(start.plusMillis(seq * 10), "c-" + Long.toHexString(seq), "agent-" + (seq & 7),
                        "tools/call", "echo__echo", seq % 1000 == 0 ? AuditEvent.Outcome.ERROR : AuditEvent.Outcome.ALLOW,
                        "", 1, "ok", args);
                byte[] line = line(e, seq);
                long part = (seq - 1) / FILE_ROWS;
                if ((seq - 1) % FILE_ROWS == 0) {
                    offset = 0;
                    open(part);
                }
                String file = new JournalFiles.Name(java.time.LocalDate.of(2026, 11, 22), (int) part).file();
                batch.add(Sealed.of(e, seq, file, offset, line));
                write(line);
                offset += line.length + 1;
            }
            return batch;
        }

        private void open(long part) {
            if (!write) {
                return;
            }
            try {
                if (out != null) {
                    out.close();
                }
                Files.createDirectories(journal);
                out = new java.io.BufferedOutputStream(Files.newOutputStream(journal.resolve(
                        new JournalFiles.Name(java.time.LocalDate.of(2026, 11, 22), (int) part).file()),
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void write(byte[] line) {
            if (!write) {
                return;
            }
            try {
                out.write(line);
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void close() throws IOException {
            if (out != null) {
                out.close();
            }
        }
    }

    /** The journal line of entry {@code seq} (a zero MAC: the index does not check it). */
    static byte[] line(AuditEvent e, long seq) {
        Buf body = new Buf(512);
        Canonical.entryBody(body, e.time(), Canonical.eventFields(e), seq, "i-0bench00", "k-bench", Hex.ZERO_HASH);
        return Canonical.seal(body.array(), body.size(), Fields.MAC, Hex.ZERO_HASH);
    }

    static Path tempDir(String name) throws IOException {
        String base = System.getenv("BENCH_DIR");
        return base == null ? Files.createTempDirectory(name) : Files.createTempDirectory(Path.of(base), name);
    }

    static void delete(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = tempDir("waygate-bench-index");
        db = Database.openIndex(dir.resolve("data"));
        index = new AuditIndex(db, dir.resolve("data").resolve(Audit.JOURNAL_DIR));
        entries = new Entries(dir.resolve("data").resolve(Audit.JOURNAL_DIR), false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        db.close();
        delete(dir);
    }

    /** Builds the entries only: what {@link #insert64} and {@link #insert512} cost beyond the insert itself. */
    @Benchmark
    @OperationsPerInvocation(512)
    public List<Journal.Sealed> baseline_buildEntries512() {
        return entries.next(512);
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * The insert's CPU time (of this thread: SQLite runs on it, WAL checkpoints included), apart from
     * building the entries: on a loaded machine the wall-clock score mostly measures waiting for a
     * core. JMH prints both counters summed over the iterations; CPU per row = cpuNanos / rows.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {
        public long cpuNanos;
        public long rows;

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            rows = 0;
        }

        void insert(AuditIndex index, List<Journal.Sealed> batch) {
            long t0 = THREADS.getCurrentThreadCpuTime();
            index.insert(batch);
            cpuNanos += THREADS.getCurrentThreadCpuTime() - t0;
            rows += batch.size();
        }
    }

    @Benchmark
    @OperationsPerInvocation(64)
    public void insert64(Cpu cpu) {
        cpu.insert(index, entries.next(64));
    }

    @Benchmark
    @OperationsPerInvocation(512)
    public void insert512(Cpu cpu) {
        cpu.insert(index, entries.next(512));
    }

    /** An index of 200,000 entries (eight principals; one in 1,000 an error; 10 ms apart) and their journal files. */
    @State(Scope.Benchmark)
    public static class Filled {
        static final int ROWS = 200_000;
        Path dir;
        Database db;
        AuditIndex index;
        Instant start = Instant.parse("2026-11-22T00:00:00Z");

        @Setup(Level.Trial)
        public void fill() throws IOException {
            dir = tempDir("waygate-bench-search");
            Path journal = dir.resolve("data").resolve(Audit.JOURNAL_DIR);
            db = Database.openIndex(dir.resolve("data"));
            index = new AuditIndex(db, journal);
            Entries e = new Entries(journal, true);
            for (int i = 0; i < ROWS / 4000; i++) {
                index.insert(e.next(4000));
            }
            e.close();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            db.close();
            delete(dir);
        }

        List<String> search(Optional<String> principal, Optional<String> decision, Optional<Instant> from, Optional<Instant> to) {
            List<String> r = index.search(new AuditIndex.Query(principal, Optional.empty(), decision, from, to, 100));
            if (r.isEmpty()) {
                throw new IllegalStateException("nothing found");
            }
            return r;
        }
    }

    @Benchmark
    public List<String> search_newest100(Filled f) {
        return f.search(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Benchmark
    public List<String> search_principal100(Filled f) {
        return f.search(Optional.of("agent-3"), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The rare decision: 200 matches spread over all 200,000 rows. */
    @Benchmark
    public List<String> search_error100(Filled f) {
        return f.search(Optional.empty(), Optional.of("error"), Optional.empty(), Optional.empty());
    }

    /** A minute near the start: 6,000 matches among the oldest 3% of the rows. */
    @Benchmark
    public List<String> search_oldMinute100(Filled f) {
        return f.search(Optional.empty(), Optional.empty(), Optional.of(f.start.plusSeconds(60)), Optional.of(f.start.plusSeconds(120)));
    }

    /** Builds a {@link Journal.Sealed} across versions of its fields. */
    static final class Sealed {
        static Journal.Sealed of(AuditEvent e, long seq, String file, long offset, byte[] line) {
            return new Journal.Sealed(e, seq, file, offset, line);
        }
    }
}
