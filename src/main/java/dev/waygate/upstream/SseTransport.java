package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05): a GET opens an event stream whose first
 * event, {@code endpoint}, names where to POST messages; every answer arrives on the stream.
 */
final class SseTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(SseTransport.class);

    private final ServerConfig config;
    private final URI url;
    private final HttpClient client = HttpTransports.client();
    private final CompletableFuture<URI> endpoint = new CompletableFuture<>();
    private volatile InputStream stream;
    private volatile boolean closed;

    SseTransport(ServerConfig config) {
        this.config = config;
        this.url = config.url().orElseThrow();
    }

    @Override
    public void open(Inbound inbound) throws IOException {
        // The timeout bounds the wait for the response headers only, not the stream that follows:
        // without it a server that accepts and never answers holds the handshake (and every retry) forever.
        HttpRequest get = HttpTransports.withHeaders(HttpRequest.newBuilder(url), config)
                .timeout(config.timeout())
                .header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> r = HttpTransports.send(client, get);
        if (r.statusCode() != 200 || !HttpTransports.isEventStream(r)) {
            HttpTransports.discard(r);
            throw new HttpStatusException(r.statusCode(), "GET " + url + " (legacy SSE)");
        }
        stream = r.body();
        Thread.ofVirtual().name("upstream-" + config.name() + "-sse").start(() -> read(r.body(), inbound));
        try {
            endpoint.get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            close();
            throw new IOException("no endpoint event from " + url);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private void read(InputStream body, Inbound inbound) {
        String reason = "event stream ended";
        try (body) {
            SseReader reader = new SseReader(body, HttpTransports.MAX_MESSAGE_CHARS);
            SseReader.Event e;
            while ((e = reader.next()) != null) {
                if (e.type().equals("endpoint")) {
                    URI target = url.resolve(e.data().trim());
                    if (!sameOrigin(target)) {
                        reason = "endpoint on another origin refused: " + target;
                        break;
                    }
                    endpoint.complete(target);
                } else if (e.type().equals("message")) {
                    try {
                        inbound.message(Json.parse(e.data()), null);
                    } catch (IOException bad) {
                        LOG.warn("[{}] ignoring an SSE event that is not JSON", config.name());
                    }
                }
            }
        } catch (IOException e) {
            reason = "event stream: " + e.getMessage();
        }
        endpoint.completeExceptionally(new IOException(reason));
        boolean wasOpen = !closed;
        close();
        if (wasOpen) {
            inbound.closed(reason);
        }
    }

    /** The endpoint must not send our messages (and the server's credentials) to another host. */
    private boolean sameOrigin(URI target) {
        return url.getScheme().equals(target.getScheme()) && url.getHost().equalsIgnoreCase(target.getHost())
                && url.getPort() == target.getPort();
    }

    @Override
    public void send(JsonNode message) throws IOException {
        URI target = endpoint.getNow(null);
        if (target == null || closed) {
            throw new IOException("not connected");
        }
        HttpRequest post = HttpTransports.withHeaders(HttpRequest.newBuilder(target), config)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(message))).build();
        HttpResponse<InputStream> r = HttpTransports.send(client, post);
        HttpTransports.discard(r);
        if (r.statusCode() >= 300) {
            throw new HttpStatusException(r.statusCode(), "POST " + target);
        }
    }

    @Override
    public String kind() {
        return "sse";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        InputStream s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        client.shutdownNow();
    }
}
