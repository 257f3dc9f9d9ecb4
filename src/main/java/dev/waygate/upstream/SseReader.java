package dev.waygate.upstream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a {@code text/event-stream} (WHATWG HTML, server-sent events): fields {@code event},
 * {@code data} (several lines joined by LF), {@code id}; comments and {@code retry} ignored; an event
 * is dispatched at a blank line. One event's data is capped so that a hostile server cannot make
 * the gateway buffer without bound.
 */
final class SseReader {
    record Event(String type, String data, String id) {}

    private final BufferedReader in;
    private final int maxEventChars;

    SseReader(InputStream in, int maxEventChars) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.maxEventChars = maxEventChars;
    }

    /** The next event with data, or null at the end of the stream. */
    Event next() throws IOException {
        String type = "";
        String id = null;
        StringBuilder data = null;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(type.isEmpty() ? "message" : type, data.toString(), id);
                }
                type = "";
                continue;
            }
            if (line.charAt(0) == ':') {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
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
}
