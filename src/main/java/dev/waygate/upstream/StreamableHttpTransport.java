package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP Streamable HTTP client side: each message is a POST; a request's answer comes back as JSON
 * or as an SSE stream (which may carry the upstream's notifications and requests first). After
 * the handshake a standalone GET stream receives messages not tied to a request.
 */
final class StreamableHttpTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(StreamableHttpTransport.class);

    private final ServerConfig config;
    private final URI url;
    private final HttpClient client = HttpTransports.client();
    private final Set<InputStream> open = ConcurrentHashMap.newKeySet();
    private volatile Inbound inbound;
    private volatile String sessionId;
    private volatile String protocolVersion;
    private volatile boolean closed;

    StreamableHttpTransport(ServerConfig config) {
        this.config = config;
        this.url = config.url().orElseThrow();
    }

    @Override
    public void open(Inbound in) {
        this.inbound = in;
    }

    @Override
    public void send(JsonNode message) throws IOException {
        HttpRequest.Builder b = HttpTransports.withHeaders(HttpRequest.newBuilder(url), config)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(message)));
        addSessionHeaders(b);
        HttpResponse<InputStream> r = HttpTransports.send(client, b.build());
        int status = r.statusCode();
        if (status == 404 && sessionId != null) {
            HttpTransports.discard(r);
            fail("the upstream ended the session (HTTP 404)");
            throw new HttpStatusException(status, "session expired");
        }
        if (status >= 300) {
            HttpTransports.discard(r);
            throw new HttpStatusException(status, "POST " + url);
        }
        r.headers().firstValue("Mcp-Session-Id").ifPresent(id -> {
            if (sessionId == null && "initialize".equals(message.path("method").asText())) {
                sessionId = id;
            }
        });
        Object related = JsonRpc.isRequest(message) ? message.get("id") : null;
        if (status == 202 || related == null) {
            HttpTransports.discard(r);
            return;
        }
        // Either body is read on its own thread: a server that sends headers and then stalls must
        // not hold the caller past its timeout.
        InputStream body = r.body();
        open.add(body);
        if (HttpTransports.isEventStream(r)) {
            Thread.ofVirtual().name("upstream-" + config.name() + "-post-sse").start(() -> readStream(body, related));
        } else {
            Thread.ofVirtual().name("upstream-" + config.name() + "-post-json").start(() -> readJson(body, related));
        }
    }

    /** A JSON answer; one that cannot be read fails its request at once, naming the server. */
    private void readJson(InputStream body, Object related) {
        JsonNode reply;
        try {
            reply = Json.parse(HttpTransports.readBounded(body));
        } catch (IOException e) {
            reply = JsonRpc.error((JsonNode) related, McpException.upstream(ErrorCodes.UPSTREAM_FAILURE, config.name(),
                    "upstream '" + config.name() + "' sent an unreadable response: " + e.getMessage()));
        } finally {
            open.remove(body);
        }
        inbound.message(reply, related);
    }

    private void addSessionHeaders(HttpRequest.Builder b) {
        if (sessionId != null) {
            b.header("Mcp-Session-Id", sessionId);
        }
        if (protocolVersion != null) {
            b.header("MCP-Protocol-Version", protocolVersion);
        }
    }

    private void readStream(InputStream body, Object related) {
        try (body) {
            SseReader reader = new SseReader(body, HttpTransports.MAX_MESSAGE_CHARS);
            SseReader.Event e;
            while ((e = reader.next()) != null) {
                if (!e.type().equals("message") || e.data().isBlank()) {
                    continue;
                }
                try {
                    inbound.message(Json.parse(e.data()), related);
                } catch (IOException bad) {
                    LOG.warn("[{}] ignoring an SSE event that is not JSON", config.name());
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("[{}] response stream ended: {}", config.name(), e.getMessage());
            }
        } finally {
            open.remove(body);
        }
    }

    @Override
    public void negotiated(String version) {
        this.protocolVersion = version;
        Thread.ofVirtual().name("upstream-" + config.name() + "-get-sse").start(this::standaloneStream);
    }

    /** The optional GET stream for messages not tied to a request; a 405 means the server has none. */
    private void standaloneStream() {
        Duration backoff = Duration.ofMillis(500);
        while (!closed) {
            HttpRequest.Builder b = HttpTransports.withHeaders(HttpRequest.newBuilder(url), config)
                    .header("Accept", "text/event-stream").GET();
            addSessionHeaders(b);
            try {
                HttpResponse<InputStream> r = HttpTransports.send(client, b.build());
                if (r.statusCode() != 200 || !HttpTransports.isEventStream(r)) {
                    HttpTransports.discard(r);
                    if (r.statusCode() == 404 && sessionId != null) {
                        fail("the upstream ended the session (HTTP 404)");
                    }
                    return;
                }
                open.add(r.body());
                readStream(r.body(), null);
            } catch (IOException e) {
                LOG.debug("[{}] GET stream: {}", config.name(), e.getMessage());
            }
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fail(String reason) {
        if (!closed) {
            close();
            inbound.closed(reason);
        }
    }

    @Override
    public String kind() {
        return "streamable-http";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (InputStream in : open) {
            try {
                in.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        String sid = sessionId;
        if (sid != null) {
            HttpRequest.Builder b = HttpTransports.withHeaders(HttpRequest.newBuilder(url), config)
                    .timeout(Duration.ofSeconds(2)).DELETE().header("Mcp-Session-Id", sid);
            client.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding());
        }
        client.shutdownNow();
    }
}
