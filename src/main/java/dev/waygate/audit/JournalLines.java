package dev.waygate.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads journal lines at the places the search index recorded, and checks that each is the entry
 * the index says (its sequence number, whole, followed by its newline): an index that no longer
 * matches its journal must not return another entry's line.
 */
final class JournalLines {
    private JournalLines() {}

    /**
     * The lines, in the order given. Entries whose file is gone (removed by retention) are left out.
     *
     * @throws IndexMismatchException when a file holds something else where an entry should be
     */
    static List<String> read(Path journalDir, List<AuditIndex.Location> locations) {
        List<String> out = new ArrayList<>(locations.size());
        Map<Long, FileChannel> open = new HashMap<>();
        try {
            for (AuditIndex.Location l : locations) {
                if (!open.containsKey(l.file())) {
                    open.put(l.file(), openOrNull(journalDir.resolve(AuditIndex.fileName(l.file()))));   // null: gone
                }
                FileChannel ch = open.get(l.file());
                if (ch == null) {
                    continue;
                }
                byte[] line = readAt(ch, l);
                if (line == null) {
                    throw new IndexMismatchException("the audit search index does not match the journal: entry " + l.seq()
                            + " is not at byte " + l.offset() + " of " + journalDir.resolve(AuditIndex.fileName(l.file()))
                            + "; run 'waygate audit verify' on the journal, then 'waygate audit reindex'");
                }
                out.add(new String(line, 0, l.length(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit journal: " + e.getMessage(), e);
        } finally {
            open.values().forEach(JournalLines::closeQuietly);
        }
        return out;
    }

    /** Whether the entry is where the index says (false also when its file is gone). */
    static boolean present(Path journalDir, AuditIndex.Location l) throws IOException {
        FileChannel ch = openOrNull(journalDir.resolve(AuditIndex.fileName(l.file())));
        if (ch == null) {
            return false;
        }
        try (ch) {
            return readAt(ch, l) != null;
        }
    }

    private static FileChannel openOrNull(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit journal file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The line and its newline, or null when that is not entry {@code l.seq()} there. */
    private static byte[] readAt(FileChannel ch, AuditIndex.Location l) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(l.length() + 1);
        long at = l.offset();
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) {
                return null;
            }
            at += n;
        }
        byte[] line = b.array();
        return line[l.length()] == '\n' && isEntry(line, l.seq()) ? line : null;
    }

    private static final byte[] START = "{\"v\":".getBytes(StandardCharsets.US_ASCII);

    /** Whether the line begins {@code {"v":N,"seq":SEQ,}, as every entry does (the canonical field order). */
    static boolean isEntry(byte[] line, long seq) {
        if (line.length < START.length || !java.util.Arrays.equals(line, 0, START.length, START, 0, START.length)) {
            return false;
        }
        int i = START.length;
        while (i < line.length && line[i] >= '0' && line[i] <= '9') {
            i++;
        }
        byte[] seqField = (",\"" + Fields.SEQ + "\":" + seq + ",").getBytes(StandardCharsets.US_ASCII);
        return i + seqField.length <= line.length && java.util.Arrays.equals(line, i, i + seqField.length, seqField, 0, seqField.length);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // read only
            }
        }
    }
}
