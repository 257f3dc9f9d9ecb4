package dev.waygate.mcp;

import java.io.BufferedInputStream;
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
    private byte[] buf = new byte[8192];

    private final boolean failFast;

    public LineReader(InputStream in, int max) {
        this(in, max, false);
    }

    private LineReader(InputStream in, int max, boolean failFast) {
        this.in = new BufferedInputStream(in, 65536);
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

    /** The next line without its terminator, or null at the end of the stream. */
    public String next() throws IOException {
        int len = 0;
        boolean tooLong = false;
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                if (tooLong) {
                    throw new TooLong(max);
                }
                if (len > 0 && buf[len - 1] == '\r') {
                    len--;
                }
                return new String(buf, 0, len, StandardCharsets.UTF_8);
            }
            if (tooLong) {
                continue;
            }
            if (len == max) {
                if (failFast) {
                    throw new TooLong(max);
                }
                tooLong = true;
                continue;
            }
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, Math.min(max, buf.length * 2));
            }
            buf[len++] = (byte) b;
        }
        if (tooLong) {
            throw new TooLong(max);
        }
        return len == 0 ? null : new String(buf, 0, len, StandardCharsets.UTF_8);
    }
}
