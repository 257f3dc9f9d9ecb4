package dev.waygate.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derives search index rows from the journal files: the entries after the index's newest row, read
 * from where that row's line ends (so an index that is up to date costs one short read), or the
 * whole journal when the index is empty or its newest row is not where it says. Lines are read as
 * they are on disk; a last line without its newline (being written, or torn by a crash) is left to
 * the writer, which indexes it once it is durable.
 */
public final class IndexRebuild {
    private static final Logger LOG = LoggerFactory.getLogger(IndexRebuild.class);
    private static final JsonFactory JSON = dev.waygate.mcp.Json.factory();

    /** Told after each transaction of rows and at the end of each file. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (file, inFile, total, fileDone) -> {};

        void report(String file, long entriesInFile, long total, boolean fileDone);
    }

    private final AuditIndex index;
    private final Path journalDir;
    private final Progress progress;
    private long unreadable;

    IndexRebuild(AuditIndex index, Path journalDir, Progress progress) {
        this.index = index;
        this.journalDir = journalDir;
        this.progress = progress;
    }

    /**
     * {@code waygate audit reindex}: deletes every row of {@code <dataDir>/audit-index.db} and indexes the
     * whole journal again. Beside a running gateway too (its own inserts go on meanwhile; a search
     * finds only what is indexed so far). A damaged index file is replaced only when no gateway holds
     * the journal (the one running has it open).
     *
     * @return how many entries were indexed
     * @throws java.nio.file.NoSuchFileException when there is no journal directory
     * @throws dev.waygate.store.Database.DamagedIndexException when the file is damaged and a gateway runs
     */
    public static long reindex(Path dataDir, Progress progress) throws IOException {
        Path journalDir = dataDir.resolve(Audit.JOURNAL_DIR);
        if (!Files.isDirectory(journalDir)) {
            throw new java.nio.file.NoSuchFileException(journalDir.toString(), null, "no audit journal directory");
        }
        try (dev.waygate.store.Database db = openForRebuild(dataDir, journalDir)) {
            return new AuditIndex(db, journalDir).rebuild(progress);
        }
    }

    /**
     * Before a search from another process ({@code waygate audit search}): when no gateway holds the
     * journal (one that runs keeps the index current itself), indexes what the index lacks, so that a
     * lost or stale index does not make the search miss entries. Holds the journal's lock meanwhile.
     *
     * @return how many entries were indexed
     */
    public static long catchUpIfIdle(Path dataDir, dev.waygate.store.Database db) throws IOException {
        Path journalDir = dataDir.resolve(Audit.JOURNAL_DIR);
        if (!Files.isDirectory(journalDir)) {
            return 0;
        }
        try (JournalLock lock = JournalLock.acquire(journalDir)) {
            return new AuditIndex(db, journalDir).catchUp(Progress.NONE);
        } catch (JournalLock.JournalInUseException e) {
            return 0;
        }
    }

    /** Replaces a damaged file only while holding the journal's lock: no gateway has it open then. */
    private static dev.waygate.store.Database openForRebuild(Path dataDir, Path journalDir) throws IOException {
        try (JournalLock lock = JournalLock.acquire(journalDir)) {
            return dev.waygate.store.Database.openIndex(dataDir, true);
        } catch (JournalLock.JournalInUseException e) {
            return dev.waygate.store.Database.openIndex(dataDir, false);
        }
    }

    /**
     * Deletes every row, then indexes every journal file from its start: not from the newest row,
     * which a running gateway may have inserted meanwhile.
     */
    long rebuild() throws IOException {
        index.clear();
        if (!Files.isDirectory(journalDir)) {
            return 0;
        }
        List<String> files = new ArrayList<>();
        JournalFiles.list(journalDir).forEach(n -> files.add(n.file()));
        return read(files, 0, 0);
    }

    long catchUp() throws IOException {
        if (!Files.isDirectory(journalDir)) {
            return 0;
        }
        List<String> files = new ArrayList<>();
        JournalFiles.list(journalDir).forEach(n -> files.add(n.file()));
        Optional<AuditIndex.Location> newest = index.newest();
        long after = 0;
        long offset = 0;
        if (newest.isPresent()) {
            AuditIndex.Location n = newest.get();
            if (JournalLines.present(journalDir, n)) {
                after = n.seq();
                offset = n.offset() + n.length() + 1;
                int from = files.indexOf(AuditIndex.fileName(n.file()));
                files.subList(0, from).clear();
            } else {
                LOG.warn("audit: the search index's newest entry ({}) is not at byte {} of {} (the file is gone or holds "
                        + "something else: the journal was replaced, or the index is older than the retention period); "
                        + "indexing the journal anew", n.seq(), n.offset(), AuditIndex.fileName(n.file()));
                index.clear();
            }
        }
        return read(files, offset, after);
    }

    /** Indexes the entries from {@code seq} on (again): entries that the index missed (its queue was full). */
    long catchUpFrom(long seq) throws IOException {
        if (!Files.isDirectory(journalDir)) {
            return 0;
        }
        List<String> files = new ArrayList<>();
        JournalFiles.list(journalDir).forEach(n -> files.add(n.file()));
        int start = 0;
        for (int i = files.size() - 1; i > 0; i--) {
            try (JournalReader r = new JournalReader(journalDir, List.of(files.get(i)))) {
                JournalReader.Line first = r.next();
                AuditIndex.Row row = first == null ? null : parse(first);
                if (row != null && row.seq() <= seq) {
                    start = i;
                    break;
                }
            }
        }
        return read(files.subList(start, files.size()), 0, seq - 1);
    }

    private long read(List<String> files, long offset, long after) throws IOException {
        long total = 0;
        long inFile = 0;
        String file = null;
        List<AuditIndex.Row> rows = new ArrayList<>(AuditIndex.REBUILD_BATCH);
        try (JournalReader r = new JournalReader(journalDir, files, offset)) {
            for (JournalReader.Line l = r.next(); l != null; l = r.next()) {
                if (!l.file().equals(file)) {
                    if (file != null) {
                        total += flush(rows, file, inFile, total, true);
                    }
                    file = l.file();
                    inFile = 0;
                }
                if (!l.terminated()) {
                    continue;
                }
                AuditIndex.Row row = parse(l);
                if (row == null) {
                    unreadable++;
                } else if (row.seq() > after) {
                    rows.add(row);
                    inFile++;
                    if (rows.size() >= AuditIndex.REBUILD_BATCH) {
                        total += flush(rows, file, inFile, total, false);
                    }
                }
            }
        }
        if (file != null) {
            total += flush(rows, file, inFile, total, true);
        }
        if (unreadable > 0) {
            LOG.warn("audit: {} journal line(s) are not entries the index can read and were not indexed; "
                    + "run 'waygate audit verify'", unreadable);
        }
        return total;
    }

    private int flush(List<AuditIndex.Row> rows, String file, long inFile, long total, boolean fileDone) {
        int n = rows.size();
        if (n > 0) {
            index.insertRows(rows);
            rows.clear();
        }
        progress.report(file, inFile, total + n, fileDone);
        return n;
    }

    /** The row of an entry line, or null when it is not one (parsed up to {@code args}: the fields before it are all it needs). */
    static AuditIndex.Row parse(JournalReader.Line l) {
        byte[] b = l.bytes();
        long seq = -1;
        String time = null;
        String principal = null;
        String target = null;
        String decision = null;
        try (JsonParser p = JSON.createParser(b)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                if (f.equals(Fields.ARGS)) {
                    break;
                }
                JsonToken t = p.nextToken();
                switch (f) {
                    case Fields.SEQ -> seq = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                    case Fields.TIME -> time = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case Fields.PRINCIPAL -> principal = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case Fields.TARGET -> target = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case Fields.DECISION -> decision = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> p.skipChildren();
                }
            }
            if (seq < 1 || time == null || principal == null || target == null || decision == null) {
                return null;
            }
            return new AuditIndex.Row(seq, Instant.parse(time).toEpochMilli(), principal, target,
                    AuditEvent.Outcome.valueOf(decision.toUpperCase(Locale.ROOT)).ordinal(),
                    AuditIndex.fileCode(JournalFiles.parse(l.file()).orElseThrow()), l.offset(), b.length);
        } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
            return null;
        }
    }
}
