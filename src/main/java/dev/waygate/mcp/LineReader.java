package dev.waygate.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads newline-delimited messages (the stdio transport) with a size cap, so that a peer sending
 * one endless line cannot make the gateway buffer without bound. {@code \r\n} and {@code \n} end a
 * line.
 */
public final class LineReader {
    /** A line was longer than the cap; it has been skipped up to its end. */
    public static final class TooLong extends IOException {
        TooLong(int max) {
            super("line longer than " + max + " bytes");
        }
    }

    private final InputStream in;
    private final int max;
    private final boolean failFast;
    /** What was read and not yet returned: {@code chunk[pos..lim)}. */
    private final byte[] chunk = new byte[65536];
    private int pos;
    private int lim;
    /** A line that spans reads is gathered here. */
    private byte[] buf = new byte[8192];
    /** The line {@link #advance} moved to: {@code lineArray[lineFrom, lineFrom + lineLength)}. */
    private byte[] lineArray;
    private int lineFrom;
    private int lineLength;

    public LineReader(InputStream in, int max) {
        this(in, max, false);
    }

    private LineReader(InputStream in, int max, boolean failFast) {
        this.in = in;
        this.max = max;
        this.failFast = failFast;
    }

    /**
     * A reader that throws {@link TooLong} as soon as a line passes the cap, without reading to
     * its end: for a peer the caller will disconnect anyway (an upstream server that is killed).
     */
    public static LineReader failingFast(InputStream in, int max) {
        return new LineReader(in, max, true);
    }

    /**
     * The next line without its terminator, or null at the end of the stream. Reads in chunks and
     * scans them for the newline; a line that lies within one chunk is decoded straight from it.
     */
    public String next() throws IOException {
        return advance() ? text() : null;
    }

    /**
     * Moves to the next line and returns true, or false at the end of the stream; the line's bytes
     * are then {@link #array()} from {@link #offset()} for {@link #length()}, valid until the next
     * call. For a caller that parses the bytes itself (JSON) and needs no string.
     */
    public boolean advance() throws IOException {
        int len = 0;
        boolean tooLong = false;
        while (true) {
            if (pos == lim) {
                int n = in.read(chunk, 0, chunk.length);
                if (n < 0) {
                    if (tooLong) {
                        throw new TooLong(max);
                    }
                    return len != 0 && line(buf, 0, len);
                }
                pos = 0;
                lim = n;
                continue;
            }
            int nl = pos;
            while (nl < lim && chunk[nl] != '\n') {
                nl++;
            }
            int take = nl - pos;
            if (!tooLong && (long) len + take > max) {
                if (failFast) {
                    throw new TooLong(max);
                }
                tooLong = true;
            }
            if (nl == lim) {
                if (!tooLong) {
                    append(take, len);
                    len += take;
                }
                pos = lim;
                continue;
            }
            int from = pos;
            pos = nl + 1;
            if (tooLong) {
                throw new TooLong(max);
            }
            if (len == 0) {
                int end = take > 0 && chunk[nl - 1] == '\r' ? nl - 1 : nl;
                return line(chunk, from, end - from);
            }
            pos = from;
            append(take, len);
            pos = nl + 1;
            len += take;
            if (buf[len - 1] == '\r') {
                len--;
            }
            return line(buf, 0, len);
        }
    }

    private boolean line(byte[] array, int from, int length) {
        lineArray = array;
        lineFrom = from;
        lineLength = length;
        return true;
    }

    /** The current line's array (see {@link #advance}). */
    public byte[] array() {
        return lineArray;
    }

    public int offset() {
        return lineFrom;
    }

    public int length() {
        return lineLength;
    }

    /** The current line as text. */
    public String text() {
        return new String(lineArray, lineFrom, lineLength, StandardCharsets.UTF_8);
    }

    /** Whether the current line is empty or only ASCII white space. */
    public boolean blank() {
        for (int i = lineFrom; i < lineFrom + lineLength; i++) {
            byte b = lineArray[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\f' && b != 0x0B) {
                return false;
            }
        }
        return true;
    }

    /** Copies {@code take} bytes at {@code pos} to the line gathered so far ({@code len} bytes). */
    private void append(int take, int len) {
        if (len + take > buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.min(max, Math.max((long) buf.length * 2, (long) len + take)));
        }
        System.arraycopy(chunk, pos, buf, len, take);
    }
}
