package dev.waygate.audit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds how many authentication failures one remote address can write to the journal: a flood of
 * bad keys must not fill the disk or drown the entries that matter. Per address, the first
 * {@link #BURST} failures in a window are recorded one by one; the rest of that window are counted
 * and the count is carried by the next entry that is recorded ({@code suppressed}), so the total
 * stays exact. The window is {@link #WINDOW_NANOS}; the map is cleared of quiet addresses as it goes.
 */
final class FailureThrottle {
    static final int BURST = 20;
    static final long WINDOW_NANOS = 60_000_000_000L;
    static final int MAX_ADDRESSES = 10_000;

    private static final class Window {
        long start;
        int recorded;
        long suppressed;
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final java.util.function.LongSupplier clock;

    FailureThrottle(java.util.function.LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    FailureThrottle() {
        this(System::nanoTime);
    }

    /**
     * @return -1 when this failure is only counted; otherwise record it, carrying the returned
     *         number of failures that were counted but not recorded before it
     */
    long admit(String remote) {
        long now = clock.getAsLong();
        if (windows.size() > MAX_ADDRESSES) {
            windows.values().removeIf(w -> now - w.start > WINDOW_NANOS && w.suppressed == 0);
        }
        Window w = windows.computeIfAbsent(remote, r -> {
            Window n = new Window();
            n.start = now;
            return n;
        });
        synchronized (w) {
            if (now - w.start > WINDOW_NANOS) {
                w.start = now;
                w.recorded = 0;
            }
            if (w.recorded < BURST) {
                w.recorded++;
                long carried = w.suppressed;
                w.suppressed = 0;
                return carried;
            }
            w.suppressed++;
            return -1;
        }
    }
}
