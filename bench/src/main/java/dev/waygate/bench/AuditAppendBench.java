package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.Audit;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.Redactor;
import dev.waygate.config.AuditConfig;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Durable audit appends through the gateway's own {@link Audit} (journal, HMAC chain, fsync, search
 * index in SQLite, checkpoints every 1,000 entries: the defaults), opened on a real disk. Each
 * {@link Audit#record} returns only once its entry is forced to disk.
 * <ul>
 *   <li>baseline: one caller, so every entry is a batch of one: one fsync per entry;</li>
 *   <li>group commit: 16, 64 and 256 callers, whose entries the writer batches under one fsync
 *       (AuditThroughput in the tests drives 256 virtual threads; JMH's callers are platform threads).</li>
 * </ul>
 * Scores are entries per second (all callers together); the time per call is callers / score.
 * Set {@code BENCH_DIR} to measure another disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "-DWAYGATE_LOG_LEVEL=WARN"})
public class AuditAppendBench {
    private Path dir;
    private Database db;
    private Audit audit;
    private JsonNode summary;
    private final AtomicLong n = new AtomicLong();

    @Setup(Level.Trial)
    public void setup() throws Exception {
        dir = Fixtures.tempDir("waygate-bench-audit");
        Path data = dir.resolve("data");
        db = Database.open(data);
        audit = Audit.open(data, AuditConfig.DEFAULTS, db);
        summary = new Redactor(List.of()).summary(Json.parse("""
                {"owner":"waygate-dev","repo":"waygate","title":"Audit writer stalls when the disk is full","labels":["bug"]}"""));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        audit.close();
        db.close();
        Fixtures.delete(dir);
    }

    private void append() {
        long i = n.incrementAndGet();
        audit.record(new AuditEvent(Instant.now(), "c-" + i, "agent-" + (i & 7), "tools/call", "github__create_issue",
                AuditEvent.Outcome.ALLOW, "", 3, "ok", summary));
    }

    @Benchmark
    @Threads(1)
    public void baseline_fsyncPerEntry1Caller() {
        append();
    }

    @Benchmark
    @Threads(16)
    public void groupCommit16Callers() {
        append();
    }

    @Benchmark
    @Threads(64)
    public void groupCommit64Callers() {
        append();
    }

    @Benchmark
    @Threads(256)
    public void groupCommit256Callers() {
        append();
    }
}
