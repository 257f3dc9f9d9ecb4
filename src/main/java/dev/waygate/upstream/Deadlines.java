package dev.waygate.upstream;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Ends the exchanges that ran past their deadline, checked every {@value #TICK_MS} ms by one daemon
 * thread over every upstream's pending requests. A caller waits untimed: a timed wait of a virtual
 * thread schedules and cancels a timer task per call, with a wake-up of the timer thread each time,
 * which under load cost more than the rest of the wait. A deadline is met to within one tick.
 */
final class Deadlines {
    static final long TICK_MS = 20;
    /** By identity: the maps themselves compare by content, and every idle upstream's map is empty. */
    private static final Set<Map<Long, Pending>> WATCHED = java.util.Collections.newSetFromMap(
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>()));
    private static final dev.waygate.pipeline.Sweeper SWEEPER =
            new dev.waygate.pipeline.Sweeper("upstream-deadlines", TICK_MS, Deadlines::sweep);

    private Deadlines() {}

    /** Watches one upstream's pending requests until {@link #forget}. */
    static void watch(Map<Long, Pending> pending) {
        WATCHED.add(pending);
        SWEEPER.ensureStarted();
    }

    static void forget(Map<Long, Pending> pending) {
        WATCHED.remove(pending);
    }

    /** Fails, with a {@link TimeoutException}, every watched exchange whose deadline passed. */
    static void sweep(long nowNanos) {
        List<Map<Long, Pending>> all;
        synchronized (WATCHED) {
            all = List.copyOf(WATCHED);
        }
        for (Map<Long, Pending> m : all) {
            for (Pending p : m.values()) {
                if (nowNanos - p.deadlineNanos() >= 0 && !p.response().isDone()) {
                    p.response().completeExceptionally(new TimeoutException("deadline passed"));
                }
            }
        }
    }
}
