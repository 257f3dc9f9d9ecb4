package dev.waygate.upstream;

import org.slf4j.Logger;

/**
 * Logs an upstream's stderr without letting it flood the log: lines are cut at
 * {@value #MAX_LINE} characters and at most {@value #MAX_LINES_PER_WINDOW} lines (or the sandbox's
 * {@code max_stderr_lines}) are logged per ten-second window; the number suppressed is reported.
 * The last few lines are kept: they say why a server died (an out-of-memory abort, for one).
 */
final class StderrLimiter {
    static final int MAX_LINE = 2000;
    static final int MAX_LINES_PER_WINDOW = 200;
    private static final long WINDOW_NANOS = 10_000_000_000L;

    private final String server;
    private final Logger log;
    private final LogWindow window;
    private final int maxLines;
    private final java.util.ArrayDeque<String> tail = new java.util.ArrayDeque<>();
    static final int TAIL_LINES = 64;

    StderrLimiter(String server, Logger log) {
        this(server, log, MAX_LINES_PER_WINDOW);
    }

    StderrLimiter(String server, Logger log, int maxLines) {
        this.server = server;
        this.log = log;
        this.maxLines = maxLines;
        this.window = new LogWindow(maxLines, WINDOW_NANOS);
    }

    /** The last {@value #TAIL_LINES} lines, each cut at 300 characters. */
    synchronized java.util.List<String> tail() {
        return java.util.List.copyOf(tail);
    }

    synchronized void line(String line) {
        if (tail.size() == TAIL_LINES) {
            tail.removeFirst();
        }
        tail.addLast(line.length() > 300 ? line.substring(0, 300) : line);
        if (!window.admit(n -> log.warn("[{}] {} stderr lines suppressed (more than {} in 10 s)", server, n, maxLines))) {
            return;
        }
        String shown = line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "…" : line;
        log.info("[{}] {}", server, shown.chars().anyMatch(Character::isISOControl)
                ? shown.replaceAll("\\p{Cntrl}", "\uFFFD") : shown);
    }
}
