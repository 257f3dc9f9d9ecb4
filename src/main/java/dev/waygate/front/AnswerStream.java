package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The response to one POSTed request, whose call runs on the request's own thread. Most calls send
 * nothing before their answer: the handler thread then writes the answer itself, as one
 * {@code application/json} write (one event when the client accepts only event streams), and no
 * other thread is involved. Only when something must go out first (a notification or server request
 * from the upstream, or a keep-alive while a long call waits) does the response become an event
 * stream with a writer thread of its own, and the answer follows on it.
 * <p>Senders never block on the client: they enqueue on the {@link SseStream}, as before.
 */
final class AnswerStream implements ClientChannel {
    private static final int IDLE = 0;
    private static final int STREAMING = 1;
    private static final int ANSWERED = 2;

    private final Response response;
    private final boolean jsonAllowed;
    private final Duration keepalive;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final long keepaliveAtNanos;
    /**
     * The event stream and its writer, made only when the response becomes one (most calls never
     * do: the queue and locks of an event stream were 1% of what a call allocated). Set once, together,
     * under this object's monitor, by the thread that moved the state to {@code STREAMING}.
     */
    private SseStream sse;
    private Thread writer;

    private AnswerStream(Response response, Duration keepalive, boolean jsonAllowed) {
        this.response = response;
        this.jsonAllowed = jsonAllowed;
        this.keepalive = keepalive;
        this.keepaliveAtNanos = System.nanoTime() + keepalive.toNanos();
    }

    /**
     * @param keepalive how long a call may run before the response becomes an event stream with a
     *                  keep-alive comment (and how often one is written then)
     * @param jsonAllowed whether the client accepts {@code application/json}
     */
    static AnswerStream open(Response response, Duration keepalive, boolean jsonAllowed) {
        AnswerStream a = new AnswerStream(response, keepalive, jsonAllowed);
        Keepalives.watch(a);
        return a;
    }

    @Override
    public boolean send(JsonNode message) {
        if (!stream()) {
            return false;
        }
        return events().send(message);
    }

    /** The keep-alive deadline passed with nothing sent: become an event stream and say so now. */
    boolean keepaliveDue(long nowNanos) {
        if (nowNanos - keepaliveAtNanos < 0) {
            return false;
        }
        if (state.get() == IDLE && stream()) {
            events().keepalive();
        }
        return true;
    }

    /** Whether the response is (now) an event stream with a writer; false once answered. */
    private boolean stream() {
        int s = state.get();
        if (s == IDLE && state.compareAndSet(IDLE, STREAMING)) {
            Keepalives.forget(this);
            SseStream events = new SseStream(response, keepalive);
            Thread t = Thread.ofVirtual().name("mcp-answer").unstarted(events::pump);
            synchronized (this) {
                sse = events;
                writer = t;
                notifyAll();
            }
            t.start();
            return true;
        }
        return state.get() == STREAMING;
    }

    /**
     * Completes the response with the request's answer (or none) and the callback. Call once, on the
     * handler thread, after the call returned.
     */
    void answer(Optional<JsonNode> reply, Callback callback) {
        if (state.compareAndSet(IDLE, ANSWERED)) {
            Keepalives.forget(this);
            writeWhole(reply, callback);
            return;
        }
        SseStream events = events();
        reply.ifPresent(events::last);
        events.end();
        awaitWriter();
        events.finish(callback);
    }

    private void writeWhole(Optional<JsonNode> reply, Callback callback) {
        try {
            if (reply.isPresent() && jsonAllowed) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                Http.writeBlocking(response, true, Json.bytes(reply.get()));
            } else {
                SseStream.eventStreamHeaders(response);
                Http.writeBlocking(response, true, reply.map(r -> SseStream.frame("message", Json.write(r))).orElse(new byte[0]));
            }
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    /**
     * The event stream, once the thread that made the response one has set it (at once after its
     * state change, with nothing in between that blocks). Waits through an interrupt, keeping it.
     */
    private SseStream events() {
        boolean interrupted = false;
        SseStream events;
        synchronized (this) {
            while (sse == null) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            events = sse;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return events;
    }

    /** Joins the writer; called after {@link #events()} returned, so it is set. */
    private void awaitWriter() {
        Thread t;
        synchronized (this) {
            t = writer;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The calls still running with nothing sent, checked about once a second by one daemon thread
     * for a passed keep-alive deadline. Watching costs a set insertion and removal per call; no
     * timer per call.
     */
    static final class Keepalives {
        private static final java.util.Set<AnswerStream> WAITING = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private static final long TICK_MS = 1000;
        private static final dev.waygate.pipeline.Sweeper SWEEPER =
                new dev.waygate.pipeline.Sweeper("mcp-keepalive", TICK_MS, Keepalives::sweep);

        private Keepalives() {}

        static void watch(AnswerStream a) {
            WAITING.add(a);
            SWEEPER.ensureStarted();
        }

        static void forget(AnswerStream a) {
            WAITING.remove(a);
        }

        /** Starts the keep-alive of every watched response whose deadline passed; visible for tests. */
        static void sweep(long nowNanos) {
            WAITING.removeIf(a -> a.keepaliveDue(nowNanos));
        }
    }
}
