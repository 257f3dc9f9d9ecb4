package dev.waygate.audit;

import dev.waygate.store.Database;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The search index of the journal: for each entry, the fields search filters on and where its line
 * is in the journal (decision 0028). Written after the entries are durable, off the writer's thread
 * ({@link IndexFeeder}); read by {@code GET /audit}, the dashboard and {@code waygate audit search},
 * which get the lines from the journal files, exactly as written.
 * <p>It lives in a database of its own ({@link Database#openIndex}, decision 0027), whose
 * transactions commit without their own fsync: the journal, forced before this runs, is the record,
 * and the index is derived from it ({@link #catchUp}, {@code waygate audit reindex}).
 * <p>Entries whose journal file retention removed are no longer found (their rows are pruned when a
 * search sees that the oldest file changed); an entry whose file is there but holds something else at
 * its place is an error naming {@code waygate audit reindex}.
 */
public final class AuditIndex {
    private static final Logger LOG = LoggerFactory.getLogger(AuditIndex.class);
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;
    /** Rows per transaction when indexing from the journal files. */
    static final int REBUILD_BATCH = 4096;

    private final Database db;
    private final Path journalDir;
    private final Runnable caughtUp;
    /** The journal file named by the last row inserted, and its code: most batches are of one file. */
    private String lastFile;
    private long lastFileCode;
    /** The code of the oldest journal file when rows were last pruned; searches prune again when it changes. */
    private volatile long prunedBelow = Long.MIN_VALUE;

    /**
     * @param journalDir the journal's directory, where search reads the lines
     */
    public AuditIndex(Database db, Path journalDir) {
        this(db, journalDir, () -> {});
    }

    /** @param caughtUp waits until entries already written are in the index (read your writes) */
    AuditIndex(Database db, Path journalDir, Runnable caughtUp) {
        this.db = db;
        this.journalDir = journalDir;
        this.caughtUp = caughtUp;
    }

    /**
     * A search. Every filter is optional; the newest {@code limit} matches are returned, oldest first.
     *
     * @param tool the target: a tool or prompt name, resource URI, or path
     */
    public record Query(Optional<String> principal, Optional<String> tool, Optional<String> decision,
                        Optional<Instant> from, Optional<Instant> to, int limit) {
        public Query {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
            }
            decision.ifPresent(d -> {
                if (!List.of("allow", "deny", "error").contains(d)) {
                    throw new IllegalArgumentException("decision must be allow, deny or error");
                }
            });
        }
    }

    /** Where an entry's line is: {@code file} as {@link #fileCode}, {@code length} without the newline. */
    record Location(long seq, long file, long offset, int length) {}

    /** One row: the filtered fields and the line's location. */
    record Row(long seq, long timeMillis, String principal, String target, int decision, long file, long offset, int length) {}

    private static final String INSERT = "INSERT OR REPLACE INTO audit_entries "
            + "(seq, time, principal, target, decision, file, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String SPAN = "INSERT INTO audit_files (file, first_seq, last_seq, min_time, max_time) VALUES (?, ?, ?, ?, ?) "
            + "ON CONFLICT (file) DO UPDATE SET first_seq = min(first_seq, excluded.first_seq), "
            + "last_seq = max(last_seq, excluded.last_seq), min_time = min(min_time, excluded.min_time), "
            + "max_time = max(max_time, excluded.max_time)";

    /** Rows for durable entries (see {@link #insertRows}). */
    void insert(List<Journal.Sealed> entries) {
        List<Row> rows = new ArrayList<>(entries.size());
        for (Journal.Sealed s : entries) {
            AuditEvent e = s.event();
            rows.add(new Row(s.seq(), e.time().toEpochMilli(), e.principal(), e.target(), e.decision().ordinal(),
                    fileCode(s.file()), s.offset(), s.line().length));
        }
        insertRows(rows);
    }

    /**
     * Rows in one transaction, with the statements prepared once for the connection's life; and for
     * each file among them, the range of sequence numbers and times it holds (one row per file,
     * {@code audit_files}): what a search by time narrows the rows to scan with, without an index on time.
     */
    void insertRows(List<Row> rows) {
        db.transaction(c -> db.withStatement(INSERT, st -> {
            try {
                List<Span> spans = new ArrayList<>(1);
                Span span = null;
                for (Row r : rows) {
                    st.setLong(1, r.seq());
                    st.setLong(2, r.timeMillis());
                    st.setString(3, r.principal());
                    st.setString(4, r.target());
                    st.setInt(5, r.decision());
                    st.setLong(6, r.file());
                    st.setLong(7, r.offset());
                    st.setInt(8, r.length());
                    st.addBatch();
                    if (span == null || span.file != r.file()) {
                        span = new Span(r);
                        spans.add(span);
                    } else {
                        span.add(r);
                    }
                }
                st.executeBatch();
                for (Span f : spans) {
                    db.withStatement(SPAN, fs -> {
                        fs.setLong(1, f.file);
                        fs.setLong(2, f.firstSeq);
                        fs.setLong(3, f.lastSeq);
                        fs.setLong(4, f.minTime);
                        fs.setLong(5, f.maxTime);
                        return fs.executeUpdate();
                    });
                }
                return null;
            } catch (SQLException | RuntimeException e) {
                st.clearBatch();   // the statement is kept for the connection's life
                throw e;
            }
        }));
    }

    /** The rows of one file in a transaction: their sequence numbers and times. */
    private static final class Span {
        final long file;
        long firstSeq;
        long lastSeq;
        long minTime;
        long maxTime;

        Span(Row r) {
            file = r.file();
            firstSeq = lastSeq = r.seq();
            minTime = maxTime = r.timeMillis();
        }

        void add(Row r) {
            firstSeq = Math.min(firstSeq, r.seq());
            lastSeq = Math.max(lastSeq, r.seq());
            minTime = Math.min(minTime, r.timeMillis());
            maxTime = Math.max(maxTime, r.timeMillis());
        }
    }

    /** {@link #fileCode(JournalFiles.Name)} of a file name, remembered for the next row (of the same file, mostly). */
    private long fileCode(String file) {
        if (!file.equals(lastFile)) {
            lastFileCode = fileCode(JournalFiles.parse(file)
                    .orElseThrow(() -> new IllegalArgumentException("not a journal file name: " + file)));
            lastFile = file;
        }
        return lastFileCode;
    }

    /** A journal file as one number in the files' order: UTC day (epoch day) × 10⁹ + part. */
    static long fileCode(JournalFiles.Name n) {
        return n.day().toEpochDay() * 1_000_000_000L + n.part();
    }

    static String fileName(long code) {
        return new JournalFiles.Name(LocalDate.ofEpochDay(Math.floorDiv(code, 1_000_000_000L)),
                (int) Math.floorMod(code, 1_000_000_000L)).file();
    }

    /** The matching journal lines, as written. */
    public List<String> search(Query q) {
        caughtUp.run();
        pruneRemovedFiles();
        StringBuilder sql = new StringBuilder("SELECT seq, file, offset, length FROM audit_entries WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        q.principal().ifPresent(p -> filter(sql, args, " AND principal = ?", p));
        q.tool().ifPresent(t -> filter(sql, args, " AND target = ?", t));
        q.decision().ifPresent(d -> filter(sql, args, " AND decision = ?",
                AuditEvent.Outcome.valueOf(d.toUpperCase(Locale.ROOT)).ordinal()));
        q.from().ifPresent(f -> filter(sql, args, " AND time >= ?", f.toEpochMilli()));
        q.to().ifPresent(t -> filter(sql, args, " AND time < ?", t.toEpochMilli()));
        if (q.from().isPresent() || q.to().isPresent()) {
            Optional<long[]> seqs = seqRange(q.from().map(Instant::toEpochMilli).orElse(Long.MIN_VALUE),
                    q.to().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE));
            if (seqs.isEmpty()) {
                return List.of();
            }
            filter(sql, args, " AND seq >= ?", seqs.get()[0]);
            filter(sql, args, " AND seq <= ?", seqs.get()[1]);
        }
        sql.append(" ORDER BY seq DESC LIMIT ").append(q.limit());
        List<Location> found = db.with(c -> {
            try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    st.setObject(i + 1, args.get(i));
                }
                List<Location> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Location(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getInt(4)));
                    }
                }
                return rows;
            }
        });
        List<String> out = JournalLines.read(journalDir, found);
        Collections.reverse(out);
        return out;
    }

    /**
     * The sequence numbers that entries of times in [from, to) can have: from the first entry of the
     * first file holding such a time to the last entry of the last one (exact: every entry lies in its
     * file's range of times). Empty when no file holds one.
     */
    private Optional<long[]> seqRange(long from, long to) {
        return db.with(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT min(first_seq), max(last_seq) FROM audit_files WHERE max_time >= ? AND min_time < ?")) {
                st.setLong(1, from);
                st.setLong(2, to);
                try (ResultSet rs = st.executeQuery()) {
                    long lo = rs.getLong(1);
                    return rs.wasNull() ? Optional.<long[]>empty() : Optional.of(new long[] {lo, rs.getLong(2)});
                }
            }
        });
    }

    private static void filter(StringBuilder sql, List<Object> args, String clause, Object value) {
        sql.append(clause);
        args.add(value);
    }

    /**
     * Deletes the rows of journal files that are gone (retention removes the oldest days), when the
     * oldest file changed since the last time: one directory listing per search otherwise.
     */
    void pruneRemovedFiles() {
        long oldest;
        try {
            List<JournalFiles.Name> names = JournalFiles.list(journalDir);
            oldest = names.isEmpty() ? Long.MAX_VALUE : fileCode(names.getFirst());
        } catch (IOException e) {
            return;   // no journal directory (yet): nothing to compare with
        }
        if (oldest == prunedBelow) {
            return;
        }
        int removed = db.transaction(c -> {
            try (PreparedStatement st = c.prepareStatement("DELETE FROM audit_entries WHERE seq < "
                    + "coalesce((SELECT seq FROM audit_entries WHERE file >= ? ORDER BY seq LIMIT 1), 9223372036854775807)");
                 PreparedStatement files = c.prepareStatement("DELETE FROM audit_files WHERE file < ?")) {
                st.setLong(1, oldest);
                files.setLong(1, oldest);
                files.executeUpdate();
                return st.executeUpdate();
            }
        });
        if (removed > 0) {
            LOG.info("audit: removed {} search index row(s) of journal files that retention removed", removed);
        }
        prunedBelow = oldest;
    }

    /** The newest row, if any. */
    Optional<Location> newest() {
        return db.with(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT seq, file, offset, length FROM audit_entries ORDER BY seq DESC LIMIT 1")) {
                return rs.next() ? Optional.of(new Location(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getInt(4)))
                        : Optional.empty();
            }
        });
    }

    /** Deletes every row (before indexing the whole journal again). */
    void clear() {
        db.transaction(c -> {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM audit_files");
                return st.executeUpdate("DELETE FROM audit_entries");
            }
        });
        prunedBelow = Long.MIN_VALUE;
    }

    /**
     * Indexes the entries of the journal files that the index lacks: those after its newest row, or
     * all of them when that row is not where it says (the journal was replaced or restored). What a
     * gateway runs when its audit log opens, on the index's own thread.
     *
     * @return how many entries were indexed
     */
    public long catchUp(IndexRebuild.Progress progress) throws IOException {
        return new IndexRebuild(this, journalDir, progress).catchUp();
    }

    /** Indexes the journal's entries from {@code seq} on, again. */
    long catchUpFrom(long seq, IndexRebuild.Progress progress) throws IOException {
        return new IndexRebuild(this, journalDir, progress).catchUpFrom(seq);
    }

    /** Deletes every row and indexes the whole journal: {@code waygate audit reindex}. */
    public long rebuild(IndexRebuild.Progress progress) throws IOException {
        return new IndexRebuild(this, journalDir, progress).rebuild();
    }
}
