package dev.waygate.upstream;

import org.slf4j.Logger;

/**
 * Logs an upstream's stderr without letting it flood the log: lines are cut at
 * {@value #MAX_LINE} characters and at most {@value #MAX_LINES_PER_WINDOW} lines are logged per
 * ten-second window; the number suppressed is reported.
 */
final class StderrLimiter {
    static final int MAX_LINE = 2000;
    static final int MAX_LINES_PER_WINDOW = 200;
    private static final long WINDOW_NANOS = 10_000_000_000L;

    private final String server;
    private final Logger log;
    private long windowStart = System.nanoTime();
    private int lines;
    private int suppressed;

    StderrLimiter(String server, Logger log) {
        this.server = server;
        this.log = log;
    }

    void line(String line) {
        long now = System.nanoTime();
        if (now - windowStart > WINDOW_NANOS) {
            if (suppressed > 0) {
                log.warn("[{}] {} stderr lines suppressed (more than {} in 10 s)", server, suppressed, MAX_LINES_PER_WINDOW);
            }
            windowStart = now;
            lines = 0;
            suppressed = 0;
        }
        if (++lines > MAX_LINES_PER_WINDOW) {
            suppressed++;
            return;
        }
        String shown = line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "…" : line;
        log.info("[{}] {}", server, shown.chars().anyMatch(Character::isISOControl)
                ? shown.replaceAll("\\p{Cntrl}", "\uFFFD") : shown);
    }
}
