package dev.waygate.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded store: one SQLite file in the data directory (created owner-only), migrated to the
 * current schema on open. SQLite allows one writer; a single connection guarded by a lock keeps
 * that explicit. Reads are short (indexed lookups).
 */
public final class Database implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Database.class);
    // The audit index's schema: in the store's migrations 2-5 (released), and the index file's own.
    private static final String AUDIT_INDEX_TABLE = """
            CREATE TABLE audit_index (
              seq INTEGER PRIMARY KEY,
              time TEXT NOT NULL,
              principal TEXT NOT NULL,
              action TEXT NOT NULL,
              target TEXT NOT NULL,
              decision TEXT NOT NULL,
              reason TEXT NOT NULL,
              correlation_id TEXT NOT NULL,
              file TEXT NOT NULL,
              entry TEXT NOT NULL
            )""";
    private static final String AUDIT_INDEX_TIME = "CREATE INDEX audit_index_time ON audit_index (time)";
    private static final String AUDIT_INDEX_PRINCIPAL = "CREATE INDEX audit_index_principal ON audit_index (principal, time)";
    private static final String AUDIT_INDEX_TARGET = "CREATE INDEX audit_index_target ON audit_index (target, time)";

    /** Each entry is one schema version; never edit a released one, append. */
    private static final List<String> MIGRATIONS = List.of(
            """
            CREATE TABLE api_keys (
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              roles TEXT NOT NULL DEFAULT '',
              hash TEXT NOT NULL,
              created_at TEXT NOT NULL,
              expires_at TEXT,
              revoked_at TEXT
            )""",
            // The audit search index as it was until it moved to a file of its own (INDEX_MIGRATIONS,
            // decision 0027). Kept so that released schema versions stay as they were; no longer
            // written or read (the index file is derived from the journal, decision 0028).
            AUDIT_INDEX_TABLE, AUDIT_INDEX_TIME, AUDIT_INDEX_PRINCIPAL, AUDIT_INDEX_TARGET,
            // Tool pins (decision 0017): the approved and the last seen definition of each upstream tool.
            // approved_hash NULL: never approved (poisoned on first sight). approval_audited 0: approved
            // by the CLI, to be recorded in the audit journal by the running gateway.
            """
            CREATE TABLE tool_pins (
              server TEXT NOT NULL,
              tool TEXT NOT NULL,
              approved_hash TEXT,
              approved_definition TEXT,
              approved_at TEXT,
              approved_by TEXT NOT NULL DEFAULT '',
              approval_audited INTEGER NOT NULL DEFAULT 1,
              seen_hash TEXT NOT NULL,
              seen_definition TEXT NOT NULL,
              findings TEXT NOT NULL DEFAULT '[]',
              first_seen TEXT NOT NULL,
              changed_at TEXT,
              PRIMARY KEY (server, tool)
            )""",
            // Calls held for a person's decision (approval gate). arguments are redacted; votes is a JSON array.
            """
            CREATE TABLE approvals (
              id TEXT PRIMARY KEY,
              state TEXT NOT NULL,
              principal TEXT NOT NULL,
              tool TEXT NOT NULL,
              server TEXT NOT NULL,
              rule TEXT NOT NULL,
              risk TEXT NOT NULL,
              arguments TEXT NOT NULL,
              findings TEXT NOT NULL,
              approver_roles TEXT NOT NULL,
              required INTEGER NOT NULL,
              votes TEXT NOT NULL,
              session_id TEXT NOT NULL,
              created_at TEXT NOT NULL,
              expires_at TEXT NOT NULL,
              reason TEXT NOT NULL
            )""",
            "CREATE INDEX approvals_state ON approvals (state, created_at)",
            // Audit events of processes that cannot write the journal (the CLI: a running gateway owns
            // it), written in the same transaction as the change they record; the journal's owner
            // appends them and deletes them once they are durable (audit/PendingEvents).
            """
            CREATE TABLE audit_pending (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              occurred_at TEXT NOT NULL,
              principal TEXT NOT NULL,
              action TEXT NOT NULL,
              target TEXT NOT NULL,
              decision TEXT NOT NULL,
              reason TEXT NOT NULL,
              args TEXT NOT NULL
            )""");

    /**
     * The audit search index, in {@code audit-index.db} beside the store (decision 0027): its inserts,
     * one transaction per journal batch, never hold the store's lock, which every API-key check takes,
     * and never move the store's {@code data_version}, which the key cache watches.
     * <p>Versions 1-4: the index as 0027 made it (the whole line per row). From version 5 (decision
     * 0028) a row holds the columns search filters on and where the line is in the journal: time in
     * epoch milliseconds, decision as {@code AuditEvent.Outcome} ordinal, file as
     * {@code AuditIndex.fileCode}, byte offset and length. The old table is dropped: its rows are
     * derived again from the journal (the audit log indexes what the index lacks when it opens).
     * The indexes on (principal) and (target) are ordered by seq within a value (SQLite appends the
     * row id), which is the order search returns; time needs no index of its own: {@code audit_files}
     * holds each file's range of times and sequence numbers (see 0028).
     */
    private static final List<String> INDEX_MIGRATIONS = List.of(
            AUDIT_INDEX_TABLE, AUDIT_INDEX_TIME, AUDIT_INDEX_PRINCIPAL, AUDIT_INDEX_TARGET,
            """
            CREATE TABLE audit_entries (
              seq INTEGER PRIMARY KEY,
              time INTEGER NOT NULL,
              principal TEXT NOT NULL,
              target TEXT NOT NULL,
              decision INTEGER NOT NULL,
              file INTEGER NOT NULL,
              offset INTEGER NOT NULL,
              length INTEGER NOT NULL
            )""",
            "CREATE INDEX audit_entries_principal ON audit_entries (principal)",
            "CREATE INDEX audit_entries_target ON audit_entries (target)",
            // Per journal file: its entries' range of sequence numbers and of times (what a search by
            // time narrows the rows to), one row per file, updated once per transaction.
            """
            CREATE TABLE audit_files (
              file INTEGER PRIMARY KEY,
              first_seq INTEGER NOT NULL,
              last_seq INTEGER NOT NULL,
              min_time INTEGER NOT NULL,
              max_time INTEGER NOT NULL
            )""",
            "DROP TABLE audit_index");
    static final String STORE_FILE = "waygate.db";
    public static final String INDEX_FILE = "audit-index.db";

    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>();

    private Database(Connection connection) {
        this.connection = connection;
    }

    public static Database open(Path dataDir) {
        return open(dataDir, STORE_FILE, MIGRATIONS, "FULL");
    }

    /**
     * The audit search index. Its commits are not forced ({@code synchronous=NORMAL} in WAL mode: a
     * crash of the process loses nothing, a power cut may lose the newest rows, which the audit log
     * indexes again from the journal when it next opens): the journal, forced before rows get here,
     * is the record.
     *
     * @param replaceDamaged when the file is not a database or SQLite finds it corrupt: delete it and
     *                       start an empty one (true only for a process that may rebuild it: the
     *                       journal's owner, or {@code audit reindex} with no gateway running);
     *                       false: throw {@link DamagedIndexException}
     */
    public static Database openIndex(Path dataDir, boolean replaceDamaged) {
        try {
            return openIndexProbed(dataDir);
        } catch (StoreException e) {
            if (!damaged(e)) {
                throw e;
            }
            if (!replaceDamaged) {
                throw new DamagedIndexException("the audit search index " + dataDir.resolve(INDEX_FILE) + " is damaged ("
                        + e.getMessage() + "): stop the gateway and run 'waygate audit reindex', or restart the gateway, "
                        + "which rebuilds it from the journal", e);
            }
            LOG.warn("audit: the search index {} is damaged ({}); starting a new one, rebuilt from the journal",
                    dataDir.resolve(INDEX_FILE), e.getMessage());
            deleteIndexFiles(dataDir);
            return openIndexProbed(dataDir);
        }
    }

    /** The index as {@link #openIndex(Path, boolean)} opens it, for processes that do not rebuild it. */
    public static Database openIndex(Path dataDir) {
        return openIndex(dataDir, false);
    }

    /** Opens and reads the newest row: a file SQLite cannot read fails here, not at the first insert. */
    private static Database openIndexProbed(Path dataDir) {
        Database db = open(dataDir, INDEX_FILE, INDEX_MIGRATIONS, "NORMAL");
        try {
            db.with(c -> {
                try (Statement st = c.createStatement();
                     var rs = st.executeQuery("SELECT seq, file, offset, length FROM audit_entries ORDER BY seq DESC LIMIT 1")) {
                    return rs.next();
                }
            });
            return db;
        } catch (StoreException e) {
            db.close();
            throw e;
        }
    }

    /** Whether SQLite said the file is not a database or is corrupt (not: busy, read-only, no space). */
    static boolean damaged(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.sqlite.SQLiteException s) {
                int primary = s.getResultCode().code & 0xff;
                return primary == org.sqlite.SQLiteErrorCode.SQLITE_CORRUPT.code
                        || primary == org.sqlite.SQLiteErrorCode.SQLITE_NOTADB.code;
            }
        }
        return false;
    }

    /** Removes the index file with its WAL and shared-memory files. */
    public static void deleteIndexFiles(Path dataDir) {
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            try {
                Files.deleteIfExists(dataDir.resolve(INDEX_FILE + suffix));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + dataDir.resolve(INDEX_FILE + suffix), e);
            }
        }
    }

    /** The index file cannot be read and this process may not replace it. */
    public static final class DamagedIndexException extends StoreException {
        DamagedIndexException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static Database open(Path dataDir, String file, List<String> migrations, String synchronous) {
        try {
            ensurePrivateDir(dataDir);
            SqliteNative.prepare();
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(file));
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=" + synchronous);
                st.execute("PRAGMA busy_timeout=5000");
            }
            Database db = new Database(c);
            db.migrate(migrations);
            return db;
        } catch (SQLException e) {
            throw new StoreException("cannot open the database " + file + " in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Creates the data directory with mode 0700; refuses one that others can read. */
    static void ensurePrivateDir(Path dir) {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir);
                try {
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dir, e);
        }
    }

    private void migrate(List<String> migrations) throws SQLException {
        try (Statement st = connection.createStatement()) {
            int version;
            try (var rs = st.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            for (int v = version; v < migrations.size(); v++) {
                connection.setAutoCommit(false);
                st.execute(migrations.get(v));
                st.execute("PRAGMA user_version = " + (v + 1));
                connection.commit();
                connection.setAutoCommit(true);
            }
        }
    }

    /** Work with the connection, one caller at a time. */
    public <T> T with(SqlFunction<T> work) {
        lock.lock();
        try {
            return work.apply(connection);
        } catch (SQLException e) {
            throw new StoreException("database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Work in one transaction: committed when {@code work} returns, rolled back when it throws.
     * Calls of {@link #with} and {@link #withStatement} inside it (same thread) join it. It begins
     * IMMEDIATE (takes the write lock, waiting up to the busy timeout): a deferred transaction that
     * reads first could not write once another process (a running gateway) wrote meanwhile.
     */
    public <T> T transaction(SqlFunction<T> work) {
        lock.lock();
        try {
            if (!connection.getAutoCommit()) {
                return work.apply(connection);   // already in one
            }
            org.sqlite.SQLiteConnectionConfig config = connection.unwrap(org.sqlite.SQLiteConnection.class).getConnectionConfig();
            org.sqlite.SQLiteConfig.TransactionMode mode = config.getTransactionMode();
            config.setTransactionMode(org.sqlite.SQLiteConfig.TransactionMode.IMMEDIATE);
            try {
                connection.setAutoCommit(false);
            } finally {
                config.setTransactionMode(mode);
            }
            try {
                T result = work.apply(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Work with a prepared statement for {@code sql}, prepared once and kept for the life of the
     * connection (for the statements on the hot path: a prepare costs more than the query).
     */
    public <T> T withStatement(String sql, StatementFunction<T> work) {
        lock.lock();
        try {
            PreparedStatement ps = statements.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                statements.put(sql, ps);
            }
            ps.clearParameters();
            return work.apply(ps);
        } catch (SQLException e) {
            throw new StoreException("database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * SQLite's {@code data_version}: changes whenever another connection (another process: the CLI,
     * a second gateway) commits to this database; this connection's own commits leave it alone.
     * What caches of stored rows check to stay exact without reading the rows: the value sees every
     * commit made before this call.
     */
    public long dataVersion() {
        return dataVersion(-1);
    }

    /**
     * As {@link #dataVersion()}, but a value read by a query that began no more than
     * {@code maxAgeNanos} before this call is taken as it is: it sees every commit made more than
     * {@code maxAgeNanos} before the call (decision 0034: the key cache's bound on how late another
     * process's revocation may be seen).
     */
    public long dataVersion(long maxAgeNanos) {
        long mine = versionTickets.incrementAndGet();
        VersionRead r = lastVersion;
        if (r.ticket() > mine || maxAgeNanos >= 0 && r.ticket() >= 0 && System.nanoTime() - r.startedNanos() <= maxAgeNanos) {
            return r.value();   // read by a query that began after this call did (as fresh as our own), or recently enough
        }
        versionLock.lock();
        try {
            r = lastVersion;
            if (r.ticket() > mine) {
                return r.value();
            }
            long ticket = versionTickets.incrementAndGet();
            long started = System.nanoTime();
            long value = withStatement("PRAGMA data_version", st -> {
                try (var rs = st.executeQuery()) {
                    return rs.getLong(1);
                }
            });
            lastVersion = new VersionRead(ticket, value, started);
            return value;
        } finally {
            versionLock.unlock();
        }
    }

    /**
     * The last {@link #dataVersion} read if its query began no more than {@code maxAgeNanos} ago,
     * without querying: for a thread that must not block (an I/O thread), which otherwise hands its
     * work to one that may. Once that read is older than half the bound, one new read is started on
     * a virtual thread, so that callers arriving often keep finding a recent one.
     */
    public OptionalLong recentDataVersion(long maxAgeNanos) {
        VersionRead r = lastVersion;
        long age = System.nanoTime() - r.startedNanos();
        if (r.ticket() < 0 || age > maxAgeNanos / 2) {
            readVersionSoon();
        }
        return r.ticket() >= 0 && age <= maxAgeNanos ? OptionalLong.of(r.value()) : OptionalLong.empty();
    }

    private void readVersionSoon() {
        if (versionReading.compareAndSet(false, true)) {
            Thread.ofVirtual().name("data-version").start(() -> {
                try {
                    dataVersion();
                } catch (StoreException e) {
                    // the next caller that may block reads it and meets the failure itself
                } finally {
                    versionReading.set(false);
                }
            });
        }
    }

    /**
     * {@link #dataVersion} shares one query among concurrent callers: a caller may take the value
     * of a query that began after it did (its ticket is higher), which sees every commit made
     * before the caller arrived. Callers that arrive while a query runs wait for the next one.
     */
    private record VersionRead(long ticket, long value, long startedNanos) {}

    private final AtomicLong versionTickets = new AtomicLong();
    private final ReentrantLock versionLock = new ReentrantLock();
    private volatile VersionRead lastVersion = new VersionRead(-1, 0, 0);
    private final AtomicBoolean versionReading = new AtomicBoolean();

    @FunctionalInterface
    public interface StatementFunction<T> {
        T apply(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    public interface SqlFunction<T> {
        T apply(Connection c) throws SQLException;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }
}
