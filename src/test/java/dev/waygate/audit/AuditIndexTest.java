package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.config.AuditConfig;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search index (decision 0028) through the audit log as the gateway opens it: rows hold where
 * each line is, search reads the lines from the journal files, and the index is derived again from
 * the journal when it is lost, damaged, behind or of the old schema. Expected results are computed
 * from the journal files themselves.
 */
class AuditIndexTest {
    static final Instant T0 = Instant.parse("2026-11-20T08:00:00Z");
    /** Small files: the journal rotates every few entries. */
    static final AuditConfig SMALL_FILES = new AuditConfig(AuditConfig.Mode.DURABLE, 1000, java.time.Duration.ofSeconds(10),
            2048, List.of(), 0);

    @TempDir
    Path data;

    Path journal() {
        return data.resolve(Audit.JOURNAL_DIR);
    }

    static AuditEvent event(int i, Instant time) {
        return new AuditEvent(time, "c-" + i, "p-" + (i % 3), "tools/call", "srv__tool" + (i % 4),
                i % 5 == 0 ? AuditEvent.Outcome.DENY : i % 7 == 0 ? AuditEvent.Outcome.ERROR : AuditEvent.Outcome.ALLOW,
                i % 5 == 0 ? "policy" : "", i, "ok", Json.object().put("i", i).put("text", "argument é " + i));
    }

    /** Writes events 1..n, one second apart from T0 (and from {@code first} on). */
    void write(AuditConfig config, int first, int n) {
        try (Database store = Database.open(data); Audit audit = Audit.open(data, config, store)) {
            for (int i = first; i < first + n; i++) {
                audit.record(event(i, T0.plusSeconds(i)));
            }
        }
    }

    List<String> search(AuditConfig config, AuditIndex.Query q) {
        try (Database store = Database.open(data); Audit audit = Audit.open(data, config, store)) {
            return audit.index().search(q);
        }
    }

    static AuditIndex.Query all() {
        return query(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), AuditIndex.MAX_LIMIT);
    }

    static AuditIndex.Query query(Optional<String> principal, Optional<String> tool, Optional<String> decision,
                                  Optional<Instant> from, Optional<Instant> to, int limit) {
        return new AuditIndex.Query(principal, tool, decision, from, to, limit);
    }

    /** Every line of the journal files, in order. */
    List<String> journalLines() {
        List<String> out = new ArrayList<>();
        try {
            for (JournalFiles.Name n : JournalFiles.list(journal())) {
                out.addAll(Files.readAllLines(journal().resolve(n.file()), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The newest {@code limit} journal lines that match, oldest first: what search must return. */
    List<String> expected(Predicate<JsonNode> match, int limit) {
        List<String> m = journalLines().stream().filter(l -> match.test(parse(l))).toList();
        return m.subList(Math.max(0, m.size() - limit), m.size());
    }

    static JsonNode parse(String line) {
        try {
            return Json.parse(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isCall(JsonNode e) {
        return e.path("action").asText().equals("tools/call");
    }

    @Test
    void searchReturnsTheLinesAsWrittenAcrossRotatedFiles() throws IOException {
        write(SMALL_FILES, 1, 60);
        assertThat(JournalFiles.list(journal())).as("rotated by size").hasSizeGreaterThan(5);
        try (Database store = Database.open(data); Audit audit = Audit.open(data, SMALL_FILES, store)) {
            AuditIndex index = audit.index();
            assertThat(index.search(all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
            assertThat(index.search(query(Optional.of("p-1"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 7)))
                    .containsExactlyElementsOf(expected(e -> e.path("principal").asText().equals("p-1"), 7));
            assertThat(index.search(query(Optional.empty(), Optional.of("srv__tool2"), Optional.of("deny"), Optional.empty(),
                    Optional.empty(), 100)))
                    .isNotEmpty()
                    .containsExactlyElementsOf(expected(e -> e.path("target").asText().equals("srv__tool2")
                            && e.path("decision").asText().equals("deny"), 100));
            assertThat(index.search(query(Optional.empty(), Optional.empty(), Optional.of("error"), Optional.empty(), Optional.empty(), 100)))
                    .isNotEmpty()
                    .containsExactlyElementsOf(expected(e -> e.path("decision").asText().equals("error"), 100));
            Instant from = T0.plusSeconds(10);
            Instant to = T0.plusSeconds(20);
            assertThat(index.search(query(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(from), Optional.of(to), 100)))
                    .hasSize(10)
                    .containsExactlyElementsOf(expected(e -> isCall(e) && !Instant.parse(e.path("time").asText()).isBefore(from)
                            && Instant.parse(e.path("time").asText()).isBefore(to), 100));
            audit.record(event(61, T0.plusSeconds(61)));
            assertThat(index.search(query(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1)))
                    .as("read your writes").singleElement().satisfies(l -> assertThat(parse(l).path("correlation_id").asText()).isEqualTo("c-61"));
        }
    }

    /**
     * Times need not grow with sequence numbers (callers' clocks race to the writer's queue; a clock
     * can step back): a search by time narrows the rows by each file's range of times, and stays exact.
     */
    @Test
    void searchByTimeIsExactWhenTimesAreOutOfOrder() {
        try (Database store = Database.open(data); Audit audit = Audit.open(data, SMALL_FILES, store)) {
            for (int i = 1; i <= 60; i++) {
                audit.record(event(i, T0.plusSeconds((i * 37L) % 61)));
            }
            for (int[] range : new int[][] {{0, 5}, {10, 20}, {30, 31}, {55, 70}, {-100, -50}, {100, 200}}) {
                Instant from = T0.plusSeconds(range[0]);
                Instant to = T0.plusSeconds(range[1]);
                for (int limit : new int[] {3, 1000}) {
                    assertThat(audit.index().search(query(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(from),
                            Optional.of(to), limit)))
                            .as("[%s, %s) limit %d", from, to, limit)
                            .containsExactlyElementsOf(expected(e -> !Instant.parse(e.path("time").asText()).isBefore(from)
                                    && Instant.parse(e.path("time").asText()).isBefore(to), limit));
                }
            }
            Instant from = T0.plusSeconds(20);
            assertThat(audit.index().search(query(Optional.of("p-2"), Optional.empty(), Optional.empty(), Optional.of(from),
                    Optional.empty(), 1000)))
                    .isNotEmpty()
                    .containsExactlyElementsOf(expected(e -> e.path("principal").asText().equals("p-2")
                            && !Instant.parse(e.path("time").asText()).isBefore(from), 1000));
        }
    }

    /** The index file lives beside the store without its own fsync; the store (keys) stays fully synchronous and is not written. */
    @Test
    void indexWritesLeaveTheStoreAlone() {
        try (Database store = Database.open(data)) {
            long storeVersion = store.dataVersion();
            try (Audit audit = Audit.open(data, AuditConfig.DEFAULTS, store)) {
                audit.record(event(1, T0));
                assertThat(audit.index().search(all())).hasSize(1);
            }
            assertThat(pragma(store, "synchronous")).as("the store's PRAGMA synchronous (2 = FULL)").isEqualTo(2);
            assertThat(store.dataVersion()).as("an index write is no change to the store (the key cache watches it)").isEqualTo(storeVersion);
        }
        try (Database index = Database.openIndex(data)) {
            assertThat(pragma(index, "synchronous")).as("the index's PRAGMA synchronous (1 = NORMAL)").isEqualTo(1);
        }
    }

    @Test
    void aLostIndexIsRebuiltFromTheJournalWhenTheAuditLogOpens() throws IOException {
        write(SMALL_FILES, 1, 40);
        Database.deleteIndexFiles(data);
        assertThat(search(SMALL_FILES, all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT)).hasSize(40);
    }

    @Test
    void aDamagedIndexFileIsReplacedAndRebuilt() throws IOException {
        write(SMALL_FILES, 1, 20);
        Database.deleteIndexFiles(data);
        Files.writeString(data.resolve(Database.INDEX_FILE), "this is not a database, it is garbage; ".repeat(200));
        assertThatThrownBy(() -> Database.openIndex(data).close())
                .as("a process that may not rebuild it is told how").hasMessageContaining("waygate audit reindex");
        assertThat(search(SMALL_FILES, all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
    }

    /** A power cut can lose the newest rows (the index is not forced); the next open indexes them from the journal. */
    @Test
    void rowsTheIndexLostAreIndexedAtTheNextOpen() {
        write(SMALL_FILES, 1, 30);
        try (Database index = Database.openIndex(data)) {
            index.with(c -> {
                try (Statement st = c.createStatement()) {
                    return st.executeUpdate("DELETE FROM audit_entries WHERE seq > 12");
                }
            });
        }
        assertThat(search(SMALL_FILES, all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
    }

    /** The entry the writer records when it cuts a torn last line at open is found too (it is no batch of the feeder's). */
    @Test
    void theRecoveryEntryOfATornTailIsSearchable() throws IOException {
        write(SMALL_FILES, 1, 10);
        Path last = journal().resolve(JournalFiles.list(journal()).getLast().file());
        Files.writeString(last, "{\"v\":1,\"seq\":11,\"ti", java.nio.file.StandardOpenOption.APPEND);
        List<String> found = search(SMALL_FILES, all());
        assertThat(found).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
        assertThat(parse(found.getLast()).path("action").asText()).isEqualTo("audit.recovered");
    }

    /** Batches the feeder could not queue are read back from the journal from their first entry on. */
    @Test
    void entriesMissedInTheMiddleAreReadBackFromTheJournal() throws IOException {
        write(SMALL_FILES, 1, 30);
        try (Database db = Database.openIndex(data)) {
            db.with(c -> {
                try (Statement st = c.createStatement()) {
                    return st.executeUpdate("DELETE FROM audit_entries WHERE seq BETWEEN 9 AND 17");
                }
            });
            AuditIndex index = new AuditIndex(db, journal());
            assertThat(index.search(all())).hasSize(journalLines().size() - 9);
            assertThat(index.catchUpFrom(9, IndexRebuild.Progress.NONE)).as("entries 9..the end").isEqualTo(journalLines().size() - 8);
            assertThat(index.search(all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
            boolean autoCommit = db.with(c -> c.getAutoCommit());
            assertThat(autoCommit).as("the index's connection is back in autocommit after its transactions").isTrue();
        }
    }

    /** A journal started anew (its directory removed) restarts at entry 1: the old rows must not point into it. */
    @Test
    void aReplacedJournalIsIndexedAnewNotMisread() throws IOException {
        write(SMALL_FILES, 1, 30);
        try (var files = Files.list(journal())) {
            for (Path p : files.filter(p -> JournalFiles.parse(p.getFileName().toString()).isPresent()
                    || p.getFileName().toString().equals(JournalFiles.CHECKPOINTS)).toList()) {
                Files.delete(p);
            }
        }
        write(SMALL_FILES, 100, 3);
        List<String> found = search(SMALL_FILES, all());
        assertThat(found).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
        assertThat(found.stream().filter(l -> isCall(parse(l)))).hasSize(3);
    }

    @Test
    void aLineThatIsNotTheIndexedEntryIsAnErrorNamingReindex() throws IOException {
        write(SMALL_FILES, 1, 10);
        Path first = journal().resolve(JournalFiles.list(journal()).getFirst().file());
        try (Database store = Database.open(data); Audit audit = Audit.open(data, SMALL_FILES, store)) {
            Files.writeString(first, " " + Files.readString(first));   // every line of the file one byte later
            assertThatThrownBy(() -> audit.index().search(all()))
                    .isInstanceOf(IndexMismatchException.class)
                    .hasMessageContaining(first.getFileName().toString())
                    .hasMessageContaining("waygate audit reindex");
        }
    }

    /** Retention removes the oldest days' files; their entries are no longer found, and their rows are deleted. */
    @Test
    void entriesOfFilesRetentionRemovedAreNotFound() throws IOException {
        AuditConfig retain = new AuditConfig(AuditConfig.Mode.DURABLE, 1000, java.time.Duration.ofSeconds(10), 1 << 20, List.of(), 2);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Database store = Database.open(data); Audit audit = Audit.open(data, retain, store)) {
            int n = 0;
            for (int d = 6; d >= 0; d--) {
                for (int i = 0; i < 3; i++) {
                    audit.record(event(++n, today.minusDays(d).atTime(8 + i, 0).toInstant(ZoneOffset.UTC)));
                }
                assertThat(audit.index().search(all())).as("day -" + d).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
            }
            assertThat(JournalFiles.list(journal())).as("days -2..0 kept").hasSize(3);
            assertThat(audit.index().search(all())).hasSize(9).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
        }
        try (Database index = Database.openIndex(data)) {
            int rows = index.with(c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM audit_entries")) {
                    return rs.getInt(1);
                }
            });
            assertThat(rows).as("rows of removed files are deleted").isEqualTo(9);
        }
    }

    @Test
    void reindexRebuildsEverythingAndReportsEachFile() throws IOException {
        write(SMALL_FILES, 1, 40);
        Database.deleteIndexFiles(data);
        List<String> done = new ArrayList<>();
        long n = IndexRebuild.reindex(data, (file, inFile, total, fileDone) -> {
            if (fileDone) {
                done.add(file);
            }
        });
        assertThat(n).isEqualTo(journalLines().size());
        assertThat(done).containsExactlyElementsOf(JournalFiles.list(journal()).stream().map(JournalFiles.Name::file).toList());
        try (Database db = Database.openIndex(data)) {
            assertThat(new AuditIndex(db, journal()).search(all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
        }
    }

    /** {@code audit search} in its own process: with no gateway running, it first indexes what the index lacks. */
    @Test
    void aSearchWithNoGatewayRunningCatchesUpFirst() throws IOException {
        write(SMALL_FILES, 1, 20);
        Database.deleteIndexFiles(data);
        try (Database db = Database.openIndex(data)) {
            assertThat(IndexRebuild.catchUpIfIdle(data, db)).isEqualTo(journalLines().size());
            assertThat(new AuditIndex(db, journal()).search(all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
            assertThat(IndexRebuild.catchUpIfIdle(data, db)).as("up to date: nothing to do").isZero();
        }
        try (Database store = Database.open(data); Audit audit = Audit.open(data, SMALL_FILES, store);
             Database db = Database.openIndex(data)) {
            audit.record(event(99, T0.plusSeconds(99)));
            assertThat(IndexRebuild.catchUpIfIdle(data, db)).as("a running gateway indexes its own").isZero();
        }
    }

    /** Beside a running gateway (which holds the journal), reindex works through SQLite; both go on writing. */
    @Test
    void reindexBesideARunningAuditLog() throws IOException {
        try (Database store = Database.open(data); Audit audit = Audit.open(data, SMALL_FILES, store)) {
            for (int i = 1; i <= 20; i++) {
                audit.record(event(i, T0.plusSeconds(i)));
            }
            audit.index().search(all());
            assertThat(IndexRebuild.reindex(data, IndexRebuild.Progress.NONE)).isEqualTo(journalLines().size());
            audit.record(event(21, T0.plusSeconds(21)));
            assertThat(audit.index().search(all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
        }
    }

    /** An index file of decision 0027's schema (whole lines) is migrated: the old table goes, the rows come from the journal. */
    @Test
    void anIndexOfTheEarlierSchemaIsUpgraded() throws IOException {
        write(SMALL_FILES, 1, 15);
        Database.deleteIndexFiles(data);
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve(Database.INDEX_FILE));
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE audit_index (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, principal TEXT NOT NULL, "
                    + "action TEXT NOT NULL, target TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL, "
                    + "correlation_id TEXT NOT NULL, file TEXT NOT NULL, entry TEXT NOT NULL)");
            st.execute("CREATE INDEX audit_index_time ON audit_index (time)");
            st.execute("CREATE INDEX audit_index_principal ON audit_index (principal, time)");
            st.execute("CREATE INDEX audit_index_target ON audit_index (target, time)");
            st.execute("INSERT INTO audit_index VALUES (1, '2026-11-20T08:00:01.000Z', 'p-1', 'tools/call', 'srv__tool1', 'allow', '', "
                    + "'c-1', 'audit-2026-11-20.jsonl', '{\"seq\":1}')");
            st.execute("PRAGMA user_version = 4");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        assertThat(search(SMALL_FILES, all())).containsExactlyElementsOf(expected(e -> true, AuditIndex.MAX_LIMIT));
        try (Database index = Database.openIndex(data)) {
            assertThat(pragma(index, "user_version")).isEqualTo(9);
            int old = index.with(c -> {
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE name LIKE 'audit_index%'")) {
                    return rs.getInt(1);
                }
            });
            assertThat(old).as("the old table and its indexes are gone").isZero();
        }
    }

    @Test
    void fileCodesKeepTheFilesOrder() {
        JournalFiles.Name a = new JournalFiles.Name(LocalDate.of(2026, 11, 20), 0);
        JournalFiles.Name b = new JournalFiles.Name(LocalDate.of(2026, 11, 20), 999_999_999);
        JournalFiles.Name c = new JournalFiles.Name(LocalDate.of(2026, 11, 21), 0);
        assertThat(AuditIndex.fileCode(a)).isLessThan(AuditIndex.fileCode(b));
        assertThat(AuditIndex.fileCode(b)).isLessThan(AuditIndex.fileCode(c));
        for (JournalFiles.Name n : List.of(a, b, c, new JournalFiles.Name(LocalDate.of(1969, 12, 31), 7))) {
            assertThat(AuditIndex.fileName(AuditIndex.fileCode(n))).isEqualTo(n.file());
        }
    }

    private static int pragma(Database db, String name) {
        return db.with(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
                return rs.getInt(1);
            }
        });
    }
}
