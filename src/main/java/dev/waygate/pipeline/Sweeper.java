package dev.waygate.pipeline;

import java.util.function.LongConsumer;

/**
 * One daemon thread that calls {@code sweep(System.nanoTime())} every tick, started on first use:
 * deadlines of many waiting calls checked together, instead of a timer task per call (which, for
 * a virtual thread's timed wait, costs a schedule, a cancel and two wake-ups of the timer thread).
 */
public final class Sweeper {
    private final String name;
    private final long tickMs;
    private final LongConsumer sweep;
    private volatile Thread thread;

    public Sweeper(String name, long tickMs, LongConsumer sweep) {
        this.name = name;
        this.tickMs = tickMs;
        this.sweep = sweep;
    }

    /** Starts the thread unless it runs. */
    public void ensureStarted() {
        if (thread == null) {
            start();
        }
    }

    private synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = Thread.ofPlatform().daemon().name(name).start(() -> {
            while (true) {
                try {
                    Thread.sleep(tickMs);
                } catch (InterruptedException e) {
                    return;
                }
                sweep.accept(System.nanoTime());
            }
        });
    }
}
