package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A server-sent-events response. Senders only enqueue (a slow client never blocks the upstream
 * that produced the message); one thread writes ({@link #pump}: the handler's own, or the writer an
 * {@link AnswerStream} starts), with a keep-alive comment when idle.
 * A client that falls {@value #QUEUE} messages behind is disconnected. The status and headers go out
 * with the first write ({@link #start} sends them at once); a request's own response that may be
 * answered without a stream is {@link AnswerStream}'s.
 */
final class SseStream implements ClientChannel {
    static final int QUEUE = 1024;
    static final Duration KEEPALIVE = Duration.ofSeconds(15);
    private static final Object END = new Object();
    private static final byte[] KEEPALIVE_COMMENT = ":\n\n".getBytes(StandardCharsets.UTF_8);

    private final Response response;
    private final Duration keepalive;
    /** byte[] events, or {@link #END}. Linked: most streams send one event or none, and an array of {@value #QUEUE} per stream was a tenth of what a call allocated. */
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(QUEUE);
    private volatile boolean open = true;
    private volatile boolean clientGone;
    /** Handler thread only: headers set; the response is an event stream. */
    private boolean streaming;

    SseStream(Response response) {
        this(response, KEEPALIVE);
    }

    /** @param keepalive how often an idle stream writes a comment; a write is also how a closed connection is noticed */
    SseStream(Response response, Duration keepalive) {
        this.response = response;
        this.keepalive = keepalive;
    }

    /** Sends the status and headers now (a stream the client waits on before anything else is sent). */
    void start() throws IOException {
        headers();
        Http.writeBlocking(response, false, ": waygate\n\n".getBytes(StandardCharsets.UTF_8));
    }

    private void headers() {
        streaming = true;
        eventStreamHeaders(response);
    }

    static void eventStreamHeaders(Response response) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache, no-store");
        response.getHeaders().put("X-Accel-Buffering", "no");
    }

    @Override
    public boolean send(JsonNode message) {
        return event("message", Json.write(message));
    }

    /** The request's response, after which the stream ends. */
    void last(JsonNode message) {
        if (open && queue.offer(frame("message", Json.write(message)))) {
            end();
        } else {
            open = false;
        }
    }

    boolean event(String type, String data) {
        if (!open) {
            return false;
        }
        if (!queue.offer(frame(type, data))) {
            open = false;
            return false;
        }
        return true;
    }

    /** A keep-alive comment, written when its turn comes. */
    void keepalive() {
        if (open && !queue.offer(KEEPALIVE_COMMENT)) {
            open = false;
        }
    }

    static byte[] frame(String type, String data) {
        StringBuilder sb = new StringBuilder(data.length() + 16);
        if (!type.equals("message")) {
            sb.append("event: ").append(type).append('\n');
        }
        int from = 0;
        while (true) {
            int nl = data.indexOf('\n', from);
            sb.append("data: ").append(data, from, nl < 0 ? data.length() : nl).append('\n');
            if (nl < 0) {
                break;
            }
            from = nl + 1;
        }
        sb.append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Whether nothing has been queued yet (the response may still be answered another way before {@link #start}). */
    boolean nothingQueued() {
        return queue.isEmpty();
    }

    /** Asks the writer to finish after what is queued. */
    void end() {
        if (open) {
            open = false;
            queue.offer(END);
        }
    }

    /** Whether the pump stopped because the client closed the stream (not because the stream was ended). */
    boolean clientGone() {
        return clientGone;
    }

    boolean isOpen() {
        return open;
    }

    /** Writes until {@link #end} or until the client goes away. Runs on the handler's thread. */
    void pump() {
        try {
            while (true) {
                Object next = queue.poll(keepalive.toMillis(), TimeUnit.MILLISECONDS);
                if (next == END || (next == null && !open && queue.isEmpty())) {
                    break;
                }
                if (!streaming) {
                    headers();
                }
                Http.writeBlocking(response, false, next == null ? KEEPALIVE_COMMENT : (byte[]) next);
            }
        } catch (IOException e) {
            clientGone = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open = false;
        }
    }

    /** Completes the response after {@link #pump}: ends the event stream. */
    void finish(Callback callback) {
        if (clientGone) {
            callback.failed(new IOException("the client closed the connection"));
            return;
        }
        if (!streaming) {
            headers();
        }
        StreamableHttpHandler.finish(response, callback);
    }
}
