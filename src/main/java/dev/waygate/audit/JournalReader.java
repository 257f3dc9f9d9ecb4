package dev.waygate.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Streams the lines of a sequence of files, in order, with a one-line look-ahead: memory stays
 * constant however long the journal is.
 */
final class JournalReader implements AutoCloseable {
    /** One line, at byte {@code offset} of its file; {@code terminated} is false for a last line without its newline. */
    record Line(String file, long number, long offset, byte[] bytes, boolean terminated, boolean lastOfAll) {
        String location() {
            return file + ":" + number;
        }
    }

    private final Path dir;
    private final List<String> files;
    private int fileIndex = -1;
    private InputStream in;
    private long lineNo;
    private Line peeked;
    private byte[] buf = new byte[1024];
    private final byte[] chunk = new byte[1 << 16];
    private int pos;
    private int limit;
    /** Bytes of the current file read into {@link #chunk} before the current one. */
    private long chunkStart;

    /** Byte where reading the first file starts (its line numbers then count from there). */
    private final long firstOffset;

    JournalReader(Path dir, List<String> files) {
        this(dir, files, 0);
    }

    /** Reads {@code files} in order, the first from byte {@code firstOffset} (the start of a line). */
    JournalReader(Path dir, List<String> files, long firstOffset) {
        this.dir = dir;
        this.files = files;
        this.firstOffset = firstOffset;
    }

    /** The next line, or null at the end. */
    Line next() throws IOException {
        Line l = peek();
        peeked = null;
        return l;
    }

    Line peek() throws IOException {
        if (peeked == null) {
            peeked = read();
        }
        return peeked;
    }

    private Line read() throws IOException {
        while (true) {
            if (in == null) {
                if (++fileIndex >= files.size()) {
                    return null;
                }
                in = Files.newInputStream(dir.resolve(files.get(fileIndex)));
                lineNo = 0;
                pos = 0;
                limit = 0;
                chunkStart = 0;
                if (fileIndex == 0 && firstOffset > 0) {
                    in.skipNBytes(firstOffset);
                    chunkStart = firstOffset;
                }
            }
            long offset = chunkStart + pos;
            int len = 0;
            boolean terminated = false;
            while (true) {
                if (pos == limit) {
                    chunkStart += limit;
                    limit = in.read(chunk);
                    pos = 0;
                    if (limit <= 0) {
                        limit = 0;
                        break;
                    }
                }
                int start = pos;
                while (pos < limit && chunk[pos] != '\n') {
                    pos++;
                }
                int n = pos - start;
                if (len + n > buf.length) {
                    buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
                }
                System.arraycopy(chunk, start, buf, len, n);
                len += n;
                if (pos < limit) {
                    pos++;
                    terminated = true;
                    break;
                }
            }
            if (!terminated && len == 0) {
                in.close();
                in = null;
                continue;
            }
            lineNo++;
            boolean lastOfAll = !terminated && fileIndex == files.size() - 1;
            return new Line(files.get(fileIndex), lineNo, offset, Arrays.copyOf(buf, len), terminated, lastOfAll);
        }
    }

    @Override
    public void close() throws IOException {
        if (in != null) {
            in.close();
        }
    }
}
