package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.store.Database;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditIndexTest {
    @TempDir
    Path dir;

    /** The index commits without its own fsync, but the store's other writes (keys) must stay fully synchronous. */
    @Test
    void indexWritesAreSearchableAndLeaveTheStoreFullySynchronous() {
        try (Database db = Database.open(dir)) {
            AuditIndex index = new AuditIndex(db);
            AuditEvent e = new AuditEvent(Instant.parse("2026-11-22T03:00:00Z"), "c1", "bench", "tools/call", "echo__echo",
                    AuditEvent.Outcome.ALLOW, "", 1, "ok", null);
            index.insert(List.of(new Journal.Sealed(e, 1, "audit-2026-11-22.jsonl", "{\"seq\":1}".getBytes(StandardCharsets.UTF_8))));

            assertThat(index.search(new AuditIndex.Query(Optional.of("bench"), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), 10))).containsExactly("{\"seq\":1}");
            int synchronous = db.with(c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA synchronous")) {
                    return rs.getInt(1);
                }
            });
            assertThat(synchronous).as("PRAGMA synchronous after an index write (2 = FULL)").isEqualTo(2);
            boolean autoCommit = db.with(c -> c.getAutoCommit());
            assertThat(autoCommit).isTrue();
        }
    }
}
