package dev.waygate.egress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;

/**
 * The bytes of one admitted CONNECT tunnel relayed by the kernel: splice(2) from one socket into
 * a pipe and from the pipe into the other socket, so that no byte is copied to user space (the
 * Java relay reads every byte into a buffer and writes it out again). Decision 0032.
 *
 * <p>Each direction runs on a platform thread of its own (a native call that blocks would pin a
 * virtual thread's carrier), and at most {@link #MAX_TUNNELS} tunnels are spliced at once: the
 * others use the Java relay. The threads work on duplicates of the two sockets' descriptors,
 * which only this class closes, so a descriptor number is never used after Jetty has closed and
 * the kernel reused it.
 *
 * <p>What the Java relay does, this does too: bytes counted each way as they are delivered
 * ({@link Exchange#bytesOut} to the server, {@link Exchange#bytesIn} to the client); the end of one
 * side's stream shuts the other side's output (half-close), the tunnel ends when both directions
 * have ended or either fails; activity keeps both endpoints from their idle time-out, and an
 * endpoint that Jetty closes (idle time-out, server stop) aborts the tunnel. When both threads
 * have stopped, the endpoints are closed and {@code ended} runs once (the audit entry and the
 * tunnel slot).
 */
final class SplicedTunnel {
    /** Tunnels spliced at once (two threads each). */
    static final int MAX_TUNNELS = 64;
    private static final Semaphore SLOTS = new Semaphore(MAX_TUNNELS);
    /** The pipe between the sockets: the most one splice call moves (Linux's default maximum pipe size). */
    private static final int PIPE_BYTES = 1 << 20;
    /** How long a thread waits in poll(2) before it looks whether the tunnel was aborted. */
    private static final int POLL_MILLIS = 1000;
    private static final short POLLNVAL = 0x20;

    private final LinuxSplice sys;
    private final EndPoint client;
    private final EndPoint server;
    private final int clientFd;
    private final int serverFd;
    private final Exchange exchange;
    private final Runnable ended;
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean aborted;
    private boolean started; // guarded by this
    private boolean closed; // guarded by this: the duplicates are closed

    private SplicedTunnel(LinuxSplice sys, EndPoint client, EndPoint server, int clientFd, int serverFd, Exchange exchange, Runnable ended) {
        this.sys = sys;
        this.client = client;
        this.server = server;
        this.clientFd = clientFd;
        this.serverFd = serverFd;
        this.exchange = exchange;
        this.ended = ended;
    }

    /**
     * A spliced tunnel between two plain socket endpoints, or empty when one is not a socket
     * channel, its descriptor cannot be had, or {@link #MAX_TUNNELS} are spliced already.
     * Nothing moves before {@link #start}.
     */
    static Optional<SplicedTunnel> open(LinuxSplice sys, EndPoint client, EndPoint server, Exchange exchange, Runnable ended) {
        if (!(client.getTransport() instanceof SocketChannel c) || !(server.getTransport() instanceof SocketChannel s)) {
            return Optional.empty();
        }
        if (!SLOTS.tryAcquire()) {
            return Optional.empty();
        }
        int cfd = sys.fd(c);
        int sfd = sys.fd(s);
        int cd = cfd < 0 ? -1 : sys.dup(cfd);
        int sd = cd < 0 || sfd < 0 ? -1 : sys.dup(sfd);
        if (cd < 0 || sd < 0) {
            if (cd >= 0) {
                sys.close(cd);
            }
            SLOTS.release();
            return Optional.empty();
        }
        return Optional.of(new SplicedTunnel(sys, client, server, cd, sd, exchange, ended));
    }

    /**
     * Starts both directions, once: when the client's side of the tunnel opens, that is after the
     * 200 answer went out and the bytes the client sent with its CONNECT were forwarded.
     */
    void start() {
        synchronized (this) {
            if (started || closed) {
                return;
            }
            started = true;
        }
        running.set(2);
        String agent = " " + client.getRemoteSocketAddress(); // which tunnel, in a thread dump
        startPump("egress-splice-up" + agent, clientFd, serverFd, exchange.bytesOut);
        startPump("egress-splice-down" + agent, serverFd, clientFd, exchange.bytesIn);
    }

    private void startPump(String name, int from, int to, AtomicLong count) {
        try {
            Thread.ofPlatform().daemon().name(name).start(() -> pump(from, to, count));
        } catch (Throwable e) {
            abort();
            directionDone();
        }
    }

    /**
     * Ends the tunnel from outside (one of its endpoints was closed): both sockets are shut, which
     * wakes the threads; the last one to stop closes everything. Before {@link #start}, it ends here.
     */
    void abort() {
        aborted = true;
        boolean endNow;
        synchronized (this) {
            endNow = !started && !closed;
            if (endNow) {
                started = true; // never starts now
            } else if (!closed) {
                sys.shutdown(clientFd, LinuxSplice.SHUT_RDWR);
                sys.shutdown(serverFd, LinuxSplice.SHUT_RDWR);
            }
        }
        if (endNow) {
            end();
        }
    }

    private void pump(int from, int to, AtomicLong count) {
        boolean eof = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = sys.scratch(arena);
            int[] pipe = {-1, -1};
            if (sys.pipe(pipe, PIPE_BYTES, scratch, arena) == 0) {
                try {
                    eof = relay(from, to, pipe, count, scratch);
                } finally {
                    sys.close(pipe[0]);
                    sys.close(pipe[1]);
                }
            }
        } catch (Throwable e) {
            eof = false;
        } finally {
            if (eof) {
                synchronized (this) {
                    if (!closed) {
                        sys.shutdown(to, LinuxSplice.SHUT_WR); // half-close, as the Java relay does
                    }
                }
            } else {
                abort();
            }
            directionDone();
        }
    }

    /** Relays until the end of {@code from}'s stream (true) or an error or abort (false). */
    private boolean relay(int from, int to, int[] pipe, AtomicLong count, MemorySegment scratch) {
        int flags = LinuxSplice.SPLICE_F_MOVE | LinuxSplice.SPLICE_F_NONBLOCK;
        while (!aborted) {
            long n = sys.splice(from, pipe[1], PIPE_BYTES, flags, scratch);
            if (n == 0) {
                return true;
            }
            if (n == -LinuxSplice.EAGAIN) {
                if (!await(from, LinuxSplice.POLLIN, scratch)) {
                    return false;
                }
                continue;
            }
            if (n == -LinuxSplice.EINTR) {
                continue;
            }
            if (n < 0) {
                return false;
            }
            for (long left = n; left > 0; ) {
                long m = aborted ? -1 : sys.splice(pipe[0], to, left, flags, scratch);
                if (m > 0) {
                    left -= m;
                    count.addAndGet(m);
                    notIdle();
                } else if (m == -LinuxSplice.EAGAIN) {
                    if (!await(to, LinuxSplice.POLLOUT, scratch)) {
                        return false;
                    }
                } else if (m != -LinuxSplice.EINTR) {
                    return false;
                }
            }
        }
        return false;
    }

    /** Waits until {@code fd} is ready (or in error: the next call says which); false when aborted. */
    private boolean await(int fd, short events, MemorySegment scratch) {
        while (!aborted) {
            int r = sys.poll(fd, events, POLL_MILLIS, scratch);
            if (r > 0) {
                return (r & POLLNVAL) == 0;
            }
            if (r < 0 && r != -LinuxSplice.EINTR) {
                return false;
            }
        }
        return false;
    }

    private void notIdle() {
        if (client instanceof IdleTimeout c) {
            c.notIdle();
        }
        if (server instanceof IdleTimeout s) {
            s.notIdle();
        }
    }

    private void directionDone() {
        if (running.decrementAndGet() == 0) {
            end();
        }
    }

    /** Once, after both threads: the duplicates closed, the slot given back, the endpoints closed, {@code ended}. */
    private void end() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            sys.close(clientFd);
            sys.close(serverFd);
        }
        SLOTS.release();
        try {
            client.close();
            server.close();
        } finally {
            ended.run();
        }
    }
}
