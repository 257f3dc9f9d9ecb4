package dev.waygate.upstream;

import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * A log budget for what an upstream writes: at most {@code max} lines per window; the rest are
 * counted, and their number is reported once the next window starts, so a server that floods its
 * output cannot flood the gateway's log while the operator still learns how much was dropped.
 */
final class LogWindow {
    private final int max;
    private final long windowNanos;
    private final LongSupplier clock;
    private long start;
    private int logged;
    private int suppressed;

    LogWindow(int max, long windowNanos, LongSupplier nanoClock) {
        this.max = max;
        this.windowNanos = windowNanos;
        this.clock = nanoClock;
        this.start = nanoClock.getAsLong();
    }

    LogWindow(int max, long windowNanos) {
        this(max, windowNanos, System::nanoTime);
    }

    /**
     * Whether this line may be logged. When it is the first of a new window and lines of the last
     * one were dropped, {@code report} first gets their number.
     */
    synchronized boolean admit(IntConsumer report) {
        long now = clock.getAsLong();
        if (now - start > windowNanos) {
            if (suppressed > 0) {
                report.accept(suppressed);
            }
            start = now;
            logged = 0;
            suppressed = 0;
        }
        if (logged < max) {
            logged++;
            return true;
        }
        suppressed++;
        return false;
    }
}
