package dev.waygate.router;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A request's cancellation: actions registered before it run when it happens, actions registered
 * after it run at once, and each runs once. Shared by calls from an MCP session and from REST.
 */
final class Cancellation {
    private final List<Runnable> actions = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();

    void onCancel(Runnable action) {
        actions.add(action);
        if (cancelled.get()) {
            action.run();
        }
    }

    boolean cancelled() {
        return cancelled.get();
    }

    void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            actions.forEach(Runnable::run);
        }
    }
}
