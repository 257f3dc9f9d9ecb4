package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.config.AuditConfig;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import dev.waygate.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events queued by a process that may not write the journal: committed with the change or not at
 * all, appended by the journal's owner at open, kept while the journal cannot be written and
 * appended once it can, and deleted only once durable.
 */
class PendingEventsTest {
    @TempDir
    Path data;

    static AuditEvent keyEvent(String action, String key) {
        return Events.keyLifecycleByCli(action, key, Json.object().put("name", "ops"));
    }

    @Test
    void anEventIsQueuedOnlyWithTheChangeItRecords() {
        try (Database db = Database.open(data)) {
            PendingEvents pending = new PendingEvents(db);
            assertThatThrownBy(() -> db.transaction(c -> {
                PendingEvents.add(db, keyEvent("key.create", "wg_aaaaaaaaaa"));
                throw new StoreException("the change failed", null);
            })).isInstanceOf(StoreException.class);
            assertThat(pending.count()).as("rolled back with the change").isZero();
            db.transaction(c -> {
                PendingEvents.add(db, keyEvent("key.create", "wg_bbbbbbbbbb"));
                return null;
            });
            assertThat(pending.count()).isEqualTo(1);
        }
    }

    @Test
    void queuedEventsWaitWhileTheJournalCannotBeWrittenAndAreAppendedOnceItCan() throws Exception {
        AtomicBoolean diskFull = new AtomicBoolean(true);
        Journal.Opener opener = (file, options) -> {
            if (diskFull.get()) {
                throw new IOException("No space left on device");
            }
            return FileChannel.open(file, options);
        };
        try (Database db = Database.open(data)) {
            PendingEvents pending = new PendingEvents(db);
            for (int i = 0; i < 3; i++) {
                String key = "wg_" + "k".repeat(9) + i;
                db.transaction(c -> {
                    PendingEvents.add(db, keyEvent("key.revoke", key));
                    return null;
                });
            }
            try (Audit audit = Audit.open(data, AuditConfig.DEFAULTS, db, opener)) {
                assertThat(audit.unavailable()).isPresent();
                Thread.sleep(Audit.PENDING_EVERY.toMillis() * 2);
                assertThat(pending.count()).as("kept while the journal cannot be written").isEqualTo(3);

                diskFull.set(false);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (pending.count() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(pending.count()).isZero();
            }
            // queued while no journal owner runs: appended when the next one opens it, before it serves
            db.transaction(c -> {
                PendingEvents.add(db, keyEvent("key.rotate", "wg_zzzzzzzzzz"));
                return null;
            });
            try (Audit audit = Audit.open(data, AuditConfig.DEFAULTS, db)) {
                assertThat(pending.count()).as("appended at open").isZero();
            }
        }
        List<JsonNode> entries = new ArrayList<>();
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        for (JournalFiles.Name n : JournalFiles.list(journal)) {
            for (String line : Files.readAllLines(journal.resolve(n.file()))) {
                entries.add(Json.parse(line));
            }
        }
        assertThat(entries).extracting(e -> e.path("action").asText())
                .containsExactly("key.revoke", "key.revoke", "key.revoke", "key.rotate");
        assertThat(entries).extracting(e -> e.path("args").path("pending_id").asLong()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.path("principal").asText()).startsWith("cli:");
            assertThat(e.path("args").path("occurred_at").asText()).isNotEmpty();
        });
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.entries()).isEqualTo(4);
    }
}
