package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A server-sent-events response. Senders only enqueue (a slow client never blocks the upstream
 * that produced the message); the handler's own thread writes, with a keep-alive comment when idle.
 * A client that falls {@value #QUEUE} messages behind is disconnected.
 * <p>A stream made by {@link #deferred} answers one request: it commits to nothing until the first
 * message or keep-alive. When the request's response comes first ({@link #last}), and the client
 * accepts JSON, it is sent as a plain {@code application/json} response in one write (Streamable
 * HTTP lets the server choose); a notification or a keep-alive first makes it an event stream, as
 * before. Most calls send nothing before their answer, so most answers cost one write instead of three.
 */
final class SseStream implements ClientChannel {
    static final int QUEUE = 1024;
    static final Duration KEEPALIVE = Duration.ofSeconds(15);
    private static final Object END = new Object();
    private static final byte[] KEEPALIVE_COMMENT = ":\n\n".getBytes(StandardCharsets.UTF_8);

    /** The request's own response: its event form, and its JSON form when the stream has not begun. */
    private record Last(byte[] event, JsonNode message) {}

    private final Response response;
    private final Duration keepalive;
    private final boolean jsonAllowed;
    /** byte[] events, a {@link Last}, or {@link #END}. */
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    private volatile boolean open = true;
    private volatile boolean clientGone;
    /** Handler thread only: headers set; the response is an event stream. */
    private boolean streaming;
    /** Handler thread only: the response was written whole (as JSON) and is complete. */
    private boolean complete;

    SseStream(Response response) {
        this(response, KEEPALIVE);
    }

    /** @param keepalive how often an idle stream writes a comment; a write is also how a closed connection is noticed */
    SseStream(Response response, Duration keepalive) {
        this(response, keepalive, false);
    }

    private SseStream(Response response, Duration keepalive, boolean jsonAllowed) {
        this.response = response;
        this.keepalive = keepalive;
        this.jsonAllowed = jsonAllowed;
    }

    /**
     * A stream for one request's answer that begins only when there is something to write; its
     * response goes out as JSON when nothing precedes it and {@code jsonAllowed}.
     */
    static SseStream deferred(Response response, Duration keepalive, boolean jsonAllowed) {
        return new SseStream(response, keepalive, jsonAllowed);
    }

    /** Sends the status and headers now (a stream the client waits on before anything else is sent). */
    void start() throws IOException {
        headers();
        Http.writeBlocking(response, false, ": waygate\n\n".getBytes(StandardCharsets.UTF_8));
    }

    private void headers() {
        streaming = true;
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
        if (open && queue.offer(new Last(frame("message", Json.write(message)), message))) {
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

    private static byte[] frame(String type, String data) {
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
                if (next instanceof Last l && !streaming && jsonAllowed) {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                    Http.writeBlocking(response, true, Json.bytes(l.message()));
                    complete = true;
                    break;
                }
                if (!streaming) {
                    headers();
                }
                Http.writeBlocking(response, false, switch (next) {
                    case null -> KEEPALIVE_COMMENT;
                    case Last l -> l.event();
                    default -> (byte[]) next;
                });
            }
        } catch (IOException e) {
            clientGone = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open = false;
        }
    }

    /** Completes the response after {@link #pump}: ends the event stream, unless the answer was sent whole. */
    void finish(Callback callback) {
        if (complete) {
            callback.succeeded();
            return;
        }
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
