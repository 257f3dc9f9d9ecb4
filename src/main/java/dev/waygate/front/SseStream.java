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

/**
 * A server-sent-events response. Senders only enqueue (a slow client never blocks the upstream
 * that produced the message); the handler's own thread writes, with a keep-alive comment when idle.
 * A client that falls {@value #QUEUE} messages behind is disconnected.
 */
final class SseStream implements ClientChannel {
    static final int QUEUE = 1024;
    static final Duration KEEPALIVE = Duration.ofSeconds(15);
    private static final byte[] END = new byte[0];

    private final Response response;
    private final Duration keepalive;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE);
    private volatile boolean open = true;
    private volatile boolean clientGone;

    SseStream(Response response) {
        this(response, KEEPALIVE);
    }

    /** @param keepalive how often an idle stream writes a comment; a write is also how a closed connection is noticed */
    SseStream(Response response, Duration keepalive) {
        this.response = response;
        this.keepalive = keepalive;
    }

    /** Sends the status and headers. */
    void start() throws IOException {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache, no-store");
        response.getHeaders().put("X-Accel-Buffering", "no");
        Http.writeBlocking(response, false, ": waygate\n\n".getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean send(JsonNode message) {
        return event("message", Json.write(message));
    }

    boolean event(String type, String data) {
        if (!open) {
            return false;
        }
        StringBuilder sb = new StringBuilder();
        if (!type.equals("message")) {
            sb.append("event: ").append(type).append('\n');
        }
        for (String line : data.split("\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        sb.append('\n');
        if (!queue.offer(sb.toString().getBytes(StandardCharsets.UTF_8))) {
            open = false;
            return false;
        }
        return true;
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
                byte[] next = queue.poll(keepalive.toMillis(), TimeUnit.MILLISECONDS);
                if (next == END || (next == null && !open && queue.isEmpty())) {
                    break;
                }
                Http.writeBlocking(response, false, next == null ? ":\n\n".getBytes(StandardCharsets.UTF_8) : next);
            }
        } catch (IOException e) {
            clientGone = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open = false;
        }
    }
}
