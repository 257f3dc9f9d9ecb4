package dev.waygate.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One process writes a journal: two writers would interleave two chains, and the verifier would
 * (rightly) call the result damaged. An exclusive lock on {@code <journal>/.lock}, taken before the
 * journal is first opened and held until the audit log closes, across every re-open after a
 * failure (so no other process can slip in while this one recovers). The operating system drops
 * it when the process dies, so a crash never leaves a stale lock. The holder writes who it is into
 * the file, so that the one refused can say whom it met.
 */
public final class JournalLock implements AutoCloseable {
    static final String FILE = ".lock";

    private final Path file;
    private final Object fileKey;
    private final FileChannel channel;
    private final FileLock lock;

    private JournalLock(Path file, Object fileKey, FileChannel channel, FileLock lock) {
        this.file = file;
        this.fileKey = fileKey;
        this.channel = channel;
        this.lock = lock;
    }

    /** Whether the lock file at the path is still the one locked (not removed with its directory and made anew). */
    boolean stillHeld() {
        try {
            return lock.isValid() && java.util.Objects.equals(fileKey(file), fileKey);
        } catch (IOException e) {
            return false;
        }
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /**
     * Takes the lock of the journal in {@code dir} (created owner-only if needed).
     *
     * @throws JournalInUseException when another process (or another audit log of this one) holds it
     * @throws IOException           when the lock file cannot be opened
     */
    static JournalLock acquire(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            AuditKeys.setMode(dir, "rwx------");
        }
        Path file = dir.resolve(FILE);
        FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = c.tryLock();
        } catch (OverlappingFileLockException e) {
            c.close();
            throw new JournalInUseException(dir, "another audit log of this process (pid " + ProcessHandle.current().pid() + ")");
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        if (lock == null) {
            String holder;
            try {
                holder = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                holder = "";
            } finally {
                c.close();
            }
            throw new JournalInUseException(dir, holder.isEmpty() ? "another process" : holder);
        }
        describeHolder(c);
        try {
            return new JournalLock(file, fileKey(file), c, lock);
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    /** Best effort (a full disk must not stop the gateway from starting): the lock is what counts. */
    private static void describeHolder(FileChannel c) {
        try {
            byte[] text = (describe(ProcessHandle.current()) + "\n").getBytes(StandardCharsets.UTF_8);
            c.truncate(0);
            ByteBuffer b = ByteBuffer.wrap(text);
            long at = 0;
            while (b.hasRemaining()) {
                at += c.write(b, at);
            }
        } catch (IOException e) {
            // the lock is held all the same
        }
    }

    /** {@code pid 1234 (waygate serve --config /etc/waygate.yaml), since 2026-11-22T05:40:00Z}. */
    static String describe(ProcessHandle p) {
        String command = waygateCommand(System.getProperty("sun.java.command", ""));
        return "pid " + p.pid() + (command.isEmpty() ? "" : " (" + command + ")") + ", since "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    /**
     * The launcher's {@code sun.java.command} is the main class (or jar) and the arguments: shown as
     * {@code waygate ARGS}. (The process's own command line is no use: the JDK cuts it before the
     * main class when the class path is long.)
     */
    private static String waygateCommand(String javaCommand) {
        String[] parts = javaCommand.strip().split(" ", 2);
        if (parts[0].isEmpty()) {
            return "";
        }
        String s = "waygate" + (parts.length > 1 ? " " + parts[1] : "");
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException e) {
            // the process's exit releases it in any case
        }
    }

    /** The journal is written by someone else; names the directory and, when known, the other process. */
    public static final class JournalInUseException extends IOException {
        public JournalInUseException(Path dir, String holder) {
            super("the audit journal in " + dir.toAbsolutePath() + " is in use by " + holder
                    + "; only one waygate may write it: stop that one or give this one its own data_dir");
        }
    }
}
