package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The audit search index's insert ({@link AuditIndex#insert}, what the {@link IndexFeeder} thread
 * runs for every batch of durable journal entries) on the real {@code audit-index.db}
 * ({@link Database#openIndex}), with entries like the load harness's: a tools/call of
 * {@code echo__echo} by {@code bench}, sealed as the journal seals them (~450-byte lines).
 * Batches of 64 rows (a moderate load: what 20 ms of linger gathers at ~3,000 calls/s) and 512
 * (the feeder's cap). Scores are per row (JMH operations = rows). In package {@code dev.waygate.audit}
 * because the insert and the sealed entries are package-private. {@code BENCH_DIR}: where it writes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-DWAYGATE_LOG_LEVEL=WARN"})
public class AuditIndexBench {
    private static final int FILE_ROWS = 100_000;
    private Path dir;
    private Database db;
    private AuditIndex index;
    private JsonNode args;
    private long seq;
    private long offset;
    private String prev = Hex.ZERO_HASH;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        String base = System.getenv("BENCH_DIR");
        dir = base == null ? Files.createTempDirectory("waygate-bench-index")
                : Files.createTempDirectory(Path.of(base), "waygate-bench-index");
        db = Database.openIndex(dir.resolve("data"));
        index = new AuditIndex(db);
        args = new Redactor(List.of()).summary(Json.parse(
                "{\"text\":\"bench-echo-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ\"}"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        db.close();
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

    /** The next {@code n} entries, sealed as the journal seals them (their cost is {@link #baseline_buildEntries512}). */
    private List<Journal.Sealed> batch(int n) {
        List<Journal.Sealed> out = new ArrayList<>(n);
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            seq++;
            AuditEvent e = new AuditEvent(now, "c-" + Long.toHexString(seq), "bench", "tools/call", "echo__echo",
                    AuditEvent.Outcome.ALLOW, "", 1, "ok", args);
            byte[] body = Canonical.entryBody(e, seq, "i-0bench00", "k-bench", prev);
            byte[] line = Canonical.seal(body, Fields.MAC, prev);
            String file = "audit-2026-11-22." + (seq / FILE_ROWS) + ".jsonl";
            out.add(Sealed.of(e, seq, file, offset, line));
            offset = seq % FILE_ROWS == 0 ? 0 : offset + line.length + 1;
        }
        return out;
    }

    /** Builds the entries only: what {@link #insert64} and {@link #insert512} cost beyond the insert itself. */
    @Benchmark
    @OperationsPerInvocation(512)
    public List<Journal.Sealed> baseline_buildEntries512() {
        return batch(512);
    }

    @Benchmark
    @OperationsPerInvocation(64)
    public void insert64() {
        index.insert(batch(64));
    }

    @Benchmark
    @OperationsPerInvocation(512)
    public void insert512() {
        index.insert(batch(512));
    }

    /** Builds a {@link Journal.Sealed} across versions of its fields. */
    static final class Sealed {
        static Journal.Sealed of(AuditEvent e, long seq, String file, long offset, byte[] line) {
            return new Journal.Sealed(e, seq, file, offset, line);
        }
    }
}
