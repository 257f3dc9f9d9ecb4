package dev.waygate.audit;

import dev.waygate.store.Database;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The searchable copy of the journal in the store: written after the entries are durable, off the
 * writer's thread ({@link IndexFeeder}); read by {@code GET /audit} and {@code waygate audit search}.
 * <p>It lives in a database of its own ({@link Database#openIndex}, decision 0027), whose
 * transactions commit without their own fsync: the journal, forced before this runs, is the record,
 * and no insert here holds the lock that API-key checks take.
 */
public final class AuditIndex {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;

    private final Database db;
    private final Runnable caughtUp;

    public AuditIndex(Database db) {
        this(db, () -> {});
    }

    /** @param caughtUp waits until entries already written are in the index (read your writes) */
    AuditIndex(Database db, Runnable caughtUp) {
        this.db = db;
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

    private static final String INSERT = "INSERT OR REPLACE INTO audit_index "
            + "(seq, time, principal, action, target, decision, reason, correlation_id, file, entry) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** One transaction, with the statement prepared once for the connection's life. */
    void insert(List<Journal.Sealed> entries) {
        db.withStatement(INSERT, st -> {
            java.sql.Connection c = st.getConnection();
            c.setAutoCommit(false);
            try {
                for (Journal.Sealed s : entries) {
                    AuditEvent e = s.event();
                    st.setLong(1, s.seq());
                    st.setString(2, Canonical.time(e.time()));
                    st.setString(3, e.principal());
                    st.setString(4, e.action());
                    st.setString(5, e.target());
                    st.setString(6, e.decision().wire());
                    st.setString(7, e.reason());
                    st.setString(8, e.correlationId());
                    st.setString(9, s.file());
                    st.setString(10, new String(s.line(), StandardCharsets.UTF_8));
                    st.addBatch();
                }
                st.executeBatch();
                c.commit();
            } catch (java.sql.SQLException e) {
                st.clearBatch();
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            return null;
        });
    }

    /** The matching journal lines, as written. */
    public List<String> search(Query q) {
        caughtUp.run();
        StringBuilder sql = new StringBuilder("SELECT entry FROM audit_index WHERE 1 = 1");
        List<String> args = new ArrayList<>();
        q.principal().ifPresent(p -> filter(sql, args, " AND principal = ?", p));
        q.tool().ifPresent(t -> filter(sql, args, " AND target = ?", t));
        q.decision().ifPresent(d -> filter(sql, args, " AND decision = ?", d));
        q.from().ifPresent(f -> filter(sql, args, " AND time >= ?", Canonical.time(f)));
        q.to().ifPresent(t -> filter(sql, args, " AND time < ?", Canonical.time(t)));
        sql.append(" ORDER BY seq DESC LIMIT ").append(q.limit());
        List<String> out = db.with(c -> {
            try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    st.setString(i + 1, args.get(i));
                }
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
                return rows;
            }
        });
        Collections.reverse(out);
        return out;
    }

    private static void filter(StringBuilder sql, List<String> args, String clause, String value) {
        sql.append(clause);
        args.add(value);
    }
}
