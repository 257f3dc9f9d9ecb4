package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The design space of the audit search index (decision 0028), each variant on raw sqlite-jdbc with
 * the same entries, batch and transaction as {@link AuditIndexBench}; scores per row:
 * <ul>
 *   <li>{@code text}: the schema until 0028: ten columns with the full line, time as text, indexes
 *       on (time), (principal, time), (target, time);</li>
 *   <li>{@code loc}: the line's location (file, offset, length) instead of its text, the columns
 *       search filters on only, otherwise as {@code text};</li>
 *   <li>{@code loc_int}: and time (epoch ms), decision and file as integers;</li>
 *   <li>{@code loc_int_2idx}: and indexes on (principal) and (target) only (each implicitly ordered by seq);</li>
 *   <li>{@code loc_int_2idx_norowid}: the same WITHOUT ROWID;</li>
 *   <li>{@code loc_int_2idx_off}: the same as {@code loc_int_2idx} with {@code synchronous=OFF};</li>
 *   <li>{@code loc_int_0idx}: no secondary index at all (the floor).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-DWAYGATE_LOG_LEVEL=WARN"})
public class AuditIndexVariantsBench {
    @Param({"text", "loc_int", "loc_int_2idx", "loc_int_2idx_norowid", "loc_int_2idx_off"})
    public String variant;

    private Path dir;
    private Connection c;
    private PreparedStatement insert;
    private JsonNode args;
    private long seq;
    private long offset;

    @Setup(Level.Trial)
    public void setup() throws IOException, SQLException {
        String base = System.getenv("BENCH_DIR");
        dir = base == null ? Files.createTempDirectory("waygate-bench-variants")
                : Files.createTempDirectory(Path.of(base), "waygate-bench-variants");
        c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("index.db"));
        boolean text = variant.equals("text");
        boolean loc = variant.equals("loc");
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("PRAGMA synchronous=" + (variant.endsWith("_off") ? "OFF" : "NORMAL"));
            if (text) {
                st.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, principal TEXT NOT NULL, action TEXT NOT NULL, "
                        + "target TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL, correlation_id TEXT NOT NULL, "
                        + "file TEXT NOT NULL, entry TEXT NOT NULL)");
            } else if (loc) {
                st.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, principal TEXT NOT NULL, "
                        + "target TEXT NOT NULL, decision TEXT NOT NULL, file TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL)");
            } else {
                st.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, principal TEXT NOT NULL, "
                        + "target TEXT NOT NULL, decision INTEGER NOT NULL, file INTEGER NOT NULL, offset INTEGER NOT NULL, "
                        + "length INTEGER NOT NULL)" + (variant.endsWith("norowid") ? " WITHOUT ROWID" : ""));
            }
            if (text || loc || variant.equals("loc_int")) {
                st.execute("CREATE INDEX t_time ON t (time)");
                st.execute("CREATE INDEX t_principal ON t (principal, time)");
                st.execute("CREATE INDEX t_target ON t (target, time)");
            } else if (variant.contains("2idx")) {
                st.execute("CREATE INDEX t_principal ON t (principal)");
                st.execute("CREATE INDEX t_target ON t (target)");
            }
        }
        insert = c.prepareStatement(text
                ? "INSERT OR REPLACE INTO t (seq, time, principal, action, target, decision, reason, correlation_id, file, entry) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                : "INSERT OR REPLACE INTO t (seq, time, principal, target, decision, file, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        args = new Redactor(List.of()).summary(Json.parse(
                "{\"text\":\"bench-echo-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ\"}"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, SQLException {
        c.close();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    private List<Journal.Sealed> batch(int n) {
        List<Journal.Sealed> out = new ArrayList<>(n);
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            seq++;
            AuditEvent e = new AuditEvent(now, "c-" + Long.toHexString(seq), "bench", "tools/call", "echo__echo",
                    AuditEvent.Outcome.ALLOW, "", 1, "ok", args);
            byte[] line = AuditIndexBench.line(e, seq);
            out.add(AuditIndexBench.Sealed.of(e, seq, "audit-2026-11-22.jsonl", offset, line));
            offset += line.length + 1;
        }
        return out;
    }

    private void insert(List<Journal.Sealed> rows) throws SQLException {
        boolean text = variant.equals("text");
        boolean loc = variant.equals("loc");
        c.setAutoCommit(false);
        long off = 0;
        for (Journal.Sealed s : rows) {
            AuditEvent e = s.event();
            insert.setLong(1, s.seq());
            if (text) {
                insert.setString(2, Canonical.time(e.time()));
                insert.setString(3, e.principal());
                insert.setString(4, e.action());
                insert.setString(5, e.target());
                insert.setString(6, e.decision().wire());
                insert.setString(7, e.reason());
                insert.setString(8, e.correlationId());
                insert.setString(9, s.file());
                insert.setString(10, new String(s.line(), StandardCharsets.UTF_8));
            } else {
                if (loc) {
                    insert.setString(2, Canonical.time(e.time()));
                } else {
                    insert.setLong(2, e.time().toEpochMilli());
                }
                insert.setString(3, e.principal());
                insert.setString(4, e.target());
                if (loc) {
                    insert.setString(5, e.decision().wire());
                    insert.setString(6, s.file());
                } else {
                    insert.setInt(5, e.decision().ordinal());
                    insert.setLong(6, 20_414_000_000_000L);
                }
                insert.setLong(7, off);
                insert.setInt(8, s.line().length);
                off += s.line().length + 1;
            }
            insert.addBatch();
        }
        insert.executeBatch();
        c.commit();
        c.setAutoCommit(true);
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private void timed(AuditIndexBench.Cpu cpu, int n) throws SQLException {
        List<Journal.Sealed> rows = batch(n);
        long t0 = THREADS.getCurrentThreadCpuTime();
        insert(rows);
        cpu.cpuNanos += THREADS.getCurrentThreadCpuTime() - t0;
        cpu.rows += n;
    }

    @Benchmark
    @OperationsPerInvocation(64)
    public void insert64(AuditIndexBench.Cpu cpu) throws SQLException {
        timed(cpu, 64);
    }

    @Benchmark
    @OperationsPerInvocation(512)
    public void insert512(AuditIndexBench.Cpu cpu) throws SQLException {
        timed(cpu, 512);
    }
}
