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

    private static AuditEvent event(String principal) {
        return new AuditEvent(Instant.parse("2026-11-22T03:00:00Z"), "c1", principal, "tools/call", "echo__echo",
                AuditEvent.Outcome.ALLOW, "", 1, "ok", null);
    }

    private static int synchronous(Database db) {
        return db.with(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA synchronous")) {
                return rs.getInt(1);
            }
        });
    }

    /** The index lives in its own file without its own fsync; the store (keys) stays fully synchronous and is not written. */
    @Test
    void indexWritesAreSearchableAndLeaveTheStoreAlone() {
        try (Database store = Database.open(dir); Database db = Database.openIndex(dir)) {
            long storeVersion = store.dataVersion();
            AuditIndex index = new AuditIndex(db);
            index.insert(List.of(new Journal.Sealed(event("bench"), 1, "audit-2026-11-22.jsonl", "{\"seq\":1}".getBytes(StandardCharsets.UTF_8))));

            assertThat(index.search(new AuditIndex.Query(Optional.of("bench"), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), 10))).containsExactly("{\"seq\":1}");
            assertThat(synchronous(store)).as("the store's PRAGMA synchronous (2 = FULL)").isEqualTo(2);
            assertThat(synchronous(db)).as("the index's PRAGMA synchronous (1 = NORMAL)").isEqualTo(1);
            assertThat(store.dataVersion()).as("an index write is no change to the store (the key cache watches it)").isEqualTo(storeVersion);
            boolean autoCommit = db.with(c -> c.getAutoCommit());
            assertThat(autoCommit).isTrue();
        }
        assertThat(dir.resolve("audit-index.db")).exists();
    }

    /** Rows an earlier version indexed inside the store are found after the upgrade. */
    @Test
    void rowsIndexedInTheStoreByEarlierVersionsAreCopiedOnce() {
        try (Database store = Database.open(dir)) {
            new AuditIndex(store).insert(List.of(
                    new Journal.Sealed(event("old"), 1, "audit-2026-11-21.jsonl", "{\"seq\":1}".getBytes(StandardCharsets.UTF_8)),
                    new Journal.Sealed(event("old"), 2, "audit-2026-11-21.jsonl", "{\"seq\":2}".getBytes(StandardCharsets.UTF_8))));
        }
        AuditIndex.Query old = new AuditIndex.Query(Optional.of("old"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 10);
        try (Database db = Database.openIndex(dir)) {
            AuditIndex index = new AuditIndex(db);
            assertThat(index.search(old)).containsExactly("{\"seq\":1}", "{\"seq\":2}");
            index.insert(List.of(new Journal.Sealed(event("old"), 3, "audit-2026-11-22.jsonl", "{\"seq\":3}".getBytes(StandardCharsets.UTF_8))));
        }
        try (Database db = Database.openIndex(dir)) {
            assertThat(new AuditIndex(db).search(old)).as("copied once: a reopen adds nothing").containsExactly("{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}");
        }
    }
}
