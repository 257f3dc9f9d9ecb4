package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Audit events of processes that may not write the journal — {@code waygate keys} run next to a
 * gateway that owns it (or while none runs) — handed to the journal's owner through the store.
 * The producer adds the event in the same transaction as the change it records, so a change is
 * never committed without its event. The journal's owner ({@link Audit}) appends the queued events
 * at start and every second, and deletes them in one transaction once they are durable. A crash
 * between those two steps appends an event again at the next start (at least once, never lost);
 * the copies share {@code args.pending_id}.
 * <p>The journal entry's {@code time} is when it was written (the journal stays in time order);
 * {@code args.occurred_at} is when the change was made.
 */
public final class PendingEvents {
    static final int BATCH = 512;

    private final Database db;

    public PendingEvents(Database db) {
        this.db = db;
    }

    /**
     * Queues an event for the journal's owner. Call inside the {@link Database#transaction} that makes
     * the change it records. {@code event.args()} must be an object (or null) and already redacted.
     */
    public static void add(Database db, AuditEvent event) {
        db.withStatement("INSERT INTO audit_pending(occurred_at, principal, action, target, decision, reason, args) "
                + "VALUES (?,?,?,?,?,?,?)", st -> {
            st.setString(1, event.time().toString());
            st.setString(2, event.principal());
            st.setString(3, event.action());
            st.setString(4, event.target());
            st.setString(5, event.decision().wire());
            st.setString(6, event.reason());
            st.setString(7, event.args().isObject() ? Json.write(event.args()) : "{}");
            return st.executeUpdate();
        });
    }

    /** How many events wait for the journal. */
    public long count() {
        return db.withStatement("SELECT count(*) FROM audit_pending", st -> {
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    /**
     * Appends what is queued, oldest first, in batches: {@code durable} must return only once the
     * events are on disk (and throw when they are not); the batch is then deleted in one transaction.
     *
     * @return how many events were appended
     * @throws AuditUnavailableException when the journal cannot be written; what is left stays queued
     */
    int drain(Consumer<List<AuditEvent>> durable) {
        int total = 0;
        while (true) {
            List<Long> ids = new ArrayList<>();
            List<AuditEvent> events = read(ids);
            if (events.isEmpty()) {
                return total;
            }
            durable.accept(events);
            db.transaction(c -> {
                try (PreparedStatement st = c.prepareStatement("DELETE FROM audit_pending WHERE id = ?")) {
                    for (long id : ids) {
                        st.setLong(1, id);
                        st.addBatch();
                    }
                    return st.executeBatch();
                }
            });
            total += events.size();
            if (events.size() < BATCH) {
                return total;
            }
        }
    }

    private List<AuditEvent> read(List<Long> ids) {
        return db.withStatement("SELECT id, occurred_at, principal, action, target, decision, reason, args "
                + "FROM audit_pending ORDER BY id LIMIT " + BATCH, st -> {
            List<AuditEvent> out = new ArrayList<>();
            Instant now = Instant.now();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong("id");
                    ids.add(id);
                    out.add(event(id, now, rs));
                }
            }
            return out;
        });
    }

    private static AuditEvent event(long id, Instant now, ResultSet rs) throws java.sql.SQLException {
        ObjectNode args;
        try {
            JsonNode stored = Json.parse(rs.getString("args"));
            args = stored.isObject() ? (ObjectNode) stored : Json.object();
        } catch (IOException e) {
            args = Json.object().put("unreadable_args", true);
        }
        args.put("occurred_at", rs.getString("occurred_at")).put("pending_id", id);
        AuditEvent.Outcome decision;
        try {
            decision = AuditEvent.Outcome.valueOf(rs.getString("decision").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            decision = AuditEvent.Outcome.ERROR;
        }
        return new AuditEvent(now, "", rs.getString("principal"), rs.getString("action"), rs.getString("target"),
                decision, rs.getString("reason"), 0, "", args);
    }
}
