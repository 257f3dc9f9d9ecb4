package dev.waygate.upstream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a {@code text/event-stream} (WHATWG HTML, server-sent events): fields {@code event},
 * {@code data} (several lines joined by LF), {@code id}; comments and {@code retry} ignored; an event
 * is dispatched at a blank line; lines end with CRLF, LF or CR; a leading BOM is skipped. Lines and
 * events are capped, so that a hostile server cannot make the gateway buffer without bound.
 */
final class SseReader {
    record Event(String type, String data, String id) {}

    /** Room for a field name and separator on a line whose value may be as long as the event cap. */
    static final int FIELD_ALLOWANCE = 64;

    private final PushbackInputStream in;
    private final int maxEventChars;
    private byte[] line = new byte[1024];
    private boolean started;

    SseReader(InputStream in, int maxEventChars) {
        this.in = new PushbackInputStream(new BufferedInputStream(in, 16384), 3);
        this.maxEventChars = maxEventChars;
    }

    /** The next event with data, or null at the end of the stream. */
    Event next() throws IOException {
        String type = "";
        String id = null;
        StringBuilder data = null;
        String l;
        while ((l = readLine()) != null) {
            if (l.isEmpty()) {
                if (data != null) {
                    return new Event(type.isEmpty() ? "message" : type, data.toString(), id);
                }
                type = "";
                continue;
            }
            if (l.charAt(0) == ':') {
                continue;
            }
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> type = value;
                case "id" -> id = value;
                case "data" -> {
                    if (data == null) {
                        data = new StringBuilder();
                    } else {
                        data.append('\n');
                    }
                    if (data.length() + value.length() > maxEventChars) {
                        throw new IOException("event larger than " + maxEventChars + " characters");
                    }
                    data.append(value);
                }
                default -> { }
            }
        }
        return null;
    }

    /** One line without its terminator, or null at the end of the stream. */
    private String readLine() throws IOException {
        if (!started) {
            started = true;
            skipBom();
        }
        int len = 0;
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                return text(len);
            }
            if (b == '\r') {
                int after = in.read();
                if (after != '\n' && after != -1) {
                    in.unread(after);
                }
                return text(len);
            }
            int maxLine = maxEventChars + FIELD_ALLOWANCE;
            if (len == maxLine) {
                throw new IOException("line longer than " + maxLine + " bytes");
            }
            if (len == line.length) {
                line = Arrays.copyOf(line, (int) Math.min((long) maxLine, line.length * 2L));
            }
            line[len++] = (byte) b;
        }
        // An unterminated last line still counts against the cap; its event is never dispatched.
        return len == 0 ? null : text(len);
    }

    private String text(int len) {
        return new String(line, 0, len, StandardCharsets.UTF_8);
    }

    private void skipBom() throws IOException {
        int b0 = in.read();
        if (b0 != 0xEF) {
            if (b0 != -1) {
                in.unread(b0);
            }
            return;
        }
        int b1 = in.read();
        int b2 = in.read();
        if (b1 != 0xBB || b2 != 0xBF) {
            for (int b : new int[] {b2, b1, b0}) {
                if (b != -1) {
                    in.unread(b);
                }
            }
        }
    }
}
