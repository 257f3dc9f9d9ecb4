package dev.waygate.egress;

import dev.waygate.auth.Principal;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One request or tunnel in flight: who, what, the decision, what was dialed, bytes each way.
 * Finished exactly once ({@link Egress#finish}), whichever side ends it.
 */
public final class Exchange {
    final Principal principal;
    final Target target;
    final Decision decision;
    final String action;
    final String remote;
    final long startNanos = System.nanoTime();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicBoolean finished = new AtomicBoolean();
    volatile InetSocketAddress dialed;
    volatile int status;
    volatile String failure = "";
    /** The client's connection, to tell the two directions of a tunnel apart. */
    volatile Object clientEndPoint;

    Exchange(Principal principal, Target target, Decision decision, String action, String remote) {
        this.principal = principal;
        this.target = target;
        this.decision = decision;
        this.action = action;
        this.remote = remote;
    }

    public Decision decision() {
        return decision;
    }

    public Target target() {
        return target;
    }

    public long bytesOut() {
        return bytesOut.get();
    }

    public long bytesIn() {
        return bytesIn.get();
    }
}
