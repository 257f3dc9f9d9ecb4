package dev.waygate.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The append-only journal, used by one thread (the {@link AuditWriter}): seals entries into the
 * hash chain, writes them, rotates files at UTC midnight and by size, and writes signed
 * checkpoints. Any I/O failure leaves it {@link #abandon() abandoned}; {@link #open()} then
 * re-reads where the journal ends on disk, so what was not forced is never assumed written.
 * It holds the directory's {@link JournalLock} from its first open until {@link #close()}, across
 * every re-open after a failure.
 * <p>The one exception to "one thread": {@link #checkpoint(Head)} may run on another thread (the
 * writer's checkpoint thread), so that signing and forcing a checkpoint never holds up the next
 * batch. The checkpoint file and its state are guarded by {@code checkpointLock}; checkpoints are
 * written in increasing sequence order, and one for a head at or before the last is skipped.
 */
final class Journal implements AutoCloseable {
    /** Opens files; tests substitute one that fails. */
    @FunctionalInterface
    interface Opener {
        FileChannel open(Path file, OpenOption... options) throws IOException;
    }

    /**
     * An entry as written: its event, sequence number, file, the byte offset of its line in that file,
     * and the line (without newline). File and offset are where the search index finds the line.
     */
    record Sealed(AuditEvent event, long seq, String file, long offset, byte[] line) {}

    private final Path dir;
    private final AuditKeys keys;
    private final String instance;
    private final long maxFileBytes;
    private final int retentionDays;
    private final Clock clock;
    private final Opener opener;
    private final Mac mac;
    private final MessageDigest sha256;
    /** Reused for every batch and every entry's body (one thread writes): no arrays per batch or entry but the line itself. */
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int MAX_KEPT_BUFFER = 1024 * 1024;
    private Buf batch = new Buf(BUFFER_BYTES);
    private final Buf body = new Buf(1024);

    private JournalLock lock;
    private FileChannel current;
    private JournalFiles.Name currentName;
    /** {@code currentName.file()}, made once per file rather than per entry. */
    private String currentFile;
    private FileIdentity currentId;
    private long currentSize;
    private FileChannel checkpoints;
    private FileIdentity checkpointsId;
    private long seq;
    private String head = Hex.ZERO_HASH;
    /** The file holding the entry {@link #head} hashes ("" before the first): what a checkpoint names. */
    private String headFile = "";
    /** Guards {@link #checkpoints} (assigned only by the writer's thread) and writing a checkpoint. */
    private final Object checkpointLock = new Object();
    /** Written under {@link #checkpointLock}; read by the writer's thread without it. */
    private volatile long checkpointSeq = -1;
    private volatile long checkpointNanos = System.nanoTime();

    Journal(Path dir, AuditKeys keys, String instance, long maxFileBytes, int retentionDays, Clock clock, Opener opener) {
        this.dir = dir;
        this.keys = keys;
        this.instance = instance;
        this.maxFileBytes = maxFileBytes;
        this.retentionDays = retentionDays;
        this.clock = clock;
        this.opener = opener;
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keys.hmacKey(), "HmacSHA256"));
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens (or re-opens after a failure) the journal where it ends on disk, and writes a checkpoint if there is news. */
    JournalTail open() throws IOException {
        abandon();
        lock();
        exportPublicKey();
        JournalTail tail = JournalTail.scan(dir);
        seq = tail.seq();
        head = tail.head();
        headFile = tail.headFile();
        Path cp = dir.resolve(JournalFiles.CHECKPOINTS);
        synchronized (checkpointLock) {
            checkpointSeq = tail.checkpointSeq();
            checkpoints = opener.open(cp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            checkpointsId = FileIdentity.of(cp);
        }
        if (tail.last().isPresent()) {
            openFile(tail.last().get(), false);
        }
        checkpoint();
        return tail;
    }

    /**
     * Takes the journal's lock unless it holds it already (and the lock file is still the one it
     * locked: a directory removed and made again has a new one nobody holds).
     *
     * @throws JournalLock.JournalInUseException when another process writes the journal
     */
    void lock() throws IOException {
        if (lock != null && !lock.stillHeld()) {
            lock.close();
            lock = null;
        }
        if (lock == null) {
            lock = JournalLock.acquire(dir);
        }
    }

    /** An event with its own fields already serialised ({@link Canonical#eventFields}), on the caller's thread. */
    record Prepared(AuditEvent event, byte[] fields) {
        static Prepared of(AuditEvent e) {
            return new Prepared(e, Canonical.eventFields(e));
        }
    }

    /** Seals and writes the entries (not yet forced). */
    List<Sealed> append(List<AuditEvent> events) throws IOException {
        List<Prepared> prepared = new ArrayList<>(events.size());
        events.forEach(e -> prepared.add(Prepared.of(e)));
        return appendPrepared(prepared);
    }

    /** Seals and writes the entries (not yet forced): only the chain fields, MAC and hash are done here. */
    List<Sealed> appendPrepared(List<Prepared> events) throws IOException {
        if (checkpoints == null) {
            throw new IOException("the journal is not open");
        }
        if (current != null) {
            currentId.check();
        }
        List<Sealed> out = new ArrayList<>(events.size());
        Buf buf = batch;
        buf.reset();
        for (Prepared p : events) {
            AuditEvent e = p.event();
            LocalDate day = LocalDate.ofInstant(e.time(), ZoneOffset.UTC);
            Canonical.entryBody(body, e.time(), p.fields(), seq + 1, instance, keys.hmacKeyId(), head);
            mac.update(body.array(), 0, body.size());
            byte[] line = Canonical.seal(body.array(), body.size(), Fields.MAC, Hex.of(mac.doFinal()));
            if (rotationDue(day, buf.size(), line.length + 1)) {
                write(buf);
                rotate(day);
            }
            long offset = currentSize + buf.size();
            buf.write(line);
            buf.write('\n');
            seq++;
            head = Hex.of(sha256.digest(line));
            headFile = currentFile;
            out.add(new Sealed(e, seq, currentFile, offset, line));
        }
        write(buf);
        if (buf.array().length > MAX_KEPT_BUFFER) {
            batch = new Buf(BUFFER_BYTES);   // after a rare large batch, do not keep megabytes around
        }
        return out;
    }

    /** Makes everything written durable. */
    void force() throws IOException {
        if (current != null) {
            current.force(false);
        }
    }

    /** The chain's head: the last entry's sequence number, hash and file. */
    record Head(long seq, String hash, String file) {}

    /** The head as of now, on the writer's thread; after {@link #force()}, one a checkpoint may sign. */
    Head head() {
        return new Head(seq, head, headFile);
    }

    /** Writes a signed checkpoint of the head, if it moved since the last one. Call after {@link #force()}. */
    void checkpoint() throws IOException {
        checkpoint(head());
    }

    /**
     * Writes a signed checkpoint of a forced head, on any thread, unless one at or after it was
     * written already or the journal is not open (then there is nothing to sign into: {@link #open()}
     * checkpoints what it finds).
     */
    void checkpoint(Head h) throws IOException {
        synchronized (checkpointLock) {
            if (checkpoints == null || h.seq() <= checkpointSeq) {
                return;
            }
            checkpointsId.check();
            byte[] line = Checkpoint.line(h.seq(), h.hash(), h.file(), clock.instant(), keys.signingKeyId(), keys.signingKey());
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                checkpoints.write(b);
            }
            checkpoints.force(false);
            checkpointSeq = h.seq();
            checkpointNanos = System.nanoTime();
        }
    }

    /** The sequence number the last checkpoint signed (-1 before the first). */
    long checkpointSeq() {
        return checkpointSeq;
    }

    long nanosSinceCheckpoint() {
        return System.nanoTime() - checkpointNanos;
    }

    long seq() {
        return seq;
    }

    /** Drops every open file after a failure; the next {@link #open()} starts from what is on disk. */
    void abandon() {
        closeQuietly(current);
        current = null;
        currentName = null;
        currentFile = null;
        synchronized (checkpointLock) {
            closeQuietly(checkpoints);
            checkpoints = null;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (checkpoints != null) {
                force();
                checkpoint();
            }
        } finally {
            abandon();
            if (lock != null) {
                lock.close();
                lock = null;
            }
        }
    }

    private boolean rotationDue(LocalDate day, long buffered, long lineBytes) {
        if (current == null) {
            return true;
        }
        long before = currentSize + buffered;
        return day.isAfter(currentName.day()) || before > 0 && before + lineBytes > maxFileBytes;
    }

    /** Forces and checkpoints the current file, then starts the next; removes expired files. */
    private void rotate(LocalDate day) throws IOException {
        LocalDate fileDay = day;
        if (current != null) {
            current.force(false);
            checkpoint();
            current.close();
            if (currentName.day().isAfter(day)) {
                fileDay = currentName.day();   // the clock went back: never name a file out of order
            }
        }
        JournalFiles.Name next = JournalFiles.next(Optional.ofNullable(currentName).or(this::last), fileDay);
        openFile(next, true);
        if (retentionDays > 0) {
            Retention.removeExpired(dir, next, fileDay.minusDays(retentionDays));
        }
    }

    private Optional<JournalFiles.Name> last() {
        try {
            List<JournalFiles.Name> names = JournalFiles.list(dir);
            return names.isEmpty() ? Optional.empty() : Optional.of(names.getLast());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void openFile(JournalFiles.Name name, boolean create) throws IOException {
        Path p = dir.resolve(name.file());
        current = create
                ? opener.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                : opener.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentName = name;
        currentFile = name.file();
        currentSize = current.size();
        currentId = FileIdentity.of(p);
        if (create) {
            syncDirectory();
        }
    }

    private void write(Buf buf) throws IOException {
        if (buf.size() == 0) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(buf.array(), 0, buf.size());
        while (b.hasRemaining()) {
            current.write(b);
        }
        currentSize += buf.size();
        buf.reset();
    }

    private void exportPublicKey() throws IOException {
        Path keysDir = dir.resolve(JournalFiles.PUBLIC_KEYS);
        Path pub = keysDir.resolve(keys.signingKeyId() + ".pub");
        if (!Files.exists(pub)) {
            Files.createDirectories(keysDir);
            Files.writeString(pub, keys.publicKeyPem());
        }
    }

    /** A new file's name must itself be durable, or a crash could lose a whole file of forced entries. */
    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
            // some file systems cannot open a directory; the name is then as durable as they make it
        }
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // abandoning it anyway
            }
        }
    }

    /** Which file a path named when it was opened: writing on after it was removed or replaced would lose entries. */
    private record FileIdentity(Path path, Object key) {
        static FileIdentity of(Path p) throws IOException {
            return new FileIdentity(p, Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey());
        }

        void check() throws IOException {
            Object now;
            try {
                now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            } catch (IOException e) {
                throw new IOException("journal file " + path + " is gone: " + e.getMessage(), e);
            }
            if (!Objects.equals(now, key)) {
                throw new IOException("journal file " + path + " was replaced while open");
            }
        }
    }
}
