package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.ModernMeta;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
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
    /** 2026-07-28: no session, no GET stream; every POST mirrors its method and target in headers. */
    private volatile boolean modern;
    /** Response bodies of our requests in flight, by request id: closing one is a 2026-07-28 cancellation. */
    private final Map<JsonNode, InputStream> byRequest = new ConcurrentHashMap<>();
    /** Exchanges of our requests still waiting for response headers, by request id. */
    private final Map<JsonNode, java.util.concurrent.CompletableFuture<HttpResponse<InputStream>>> exchanges = new ConcurrentHashMap<>();

    /** Our tools/list requests in flight: their answers give the schemas whose x-mcp-header annotations we mirror. */
    private final java.util.Set<JsonNode> listing = ConcurrentHashMap.newKeySet();
    /** The upstream's tools' input schemas by name, from its last lists (2026-07-28: Mcp-Param-* headers). */
    private final Map<String, JsonNode> inputSchemas = new ConcurrentHashMap<>();

    /**
     * Reads a tools/list answer of a modern upstream: remembers each tool's input schema, and drops a
     * tool whose {@code x-mcp-header} annotations are invalid (spec: a client MUST exclude it).
     */
    private void observe(JsonNode reply, Object related) {
        if (related == null || listing.isEmpty() || !(reply.has("result") || reply.has("error")) || !listing.remove(related)
                || !(reply.path("result").get("tools") instanceof ArrayNode tools)) {
            return;
        }
        for (java.util.Iterator<JsonNode> it = tools.iterator(); it.hasNext(); ) {
            JsonNode t = it.next();
            String name = t.path("name").asText("");
            try {
                dev.waygate.mcp.ParamHeaders.declared(t.path("inputSchema"));
                inputSchemas.put(name, t.path("inputSchema"));
            } catch (IllegalArgumentException e) {
                LOG.warn("[{}] tool '{}' left out: {}", config.name(), dev.waygate.mcp.LogText.printable(name), e.getMessage());
                inputSchemas.remove(name);
                it.remove();
            }
        }
    }

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
        ModernHeaders.add(b, message);
        if (modern && message.path("method").asText().equals("tools/list") && message.has("id")) {
            listing.add(message.get("id"));
        } else if (message.path("method").asText().equals("tools/call") && ModernMeta.declaredVersion(message).isPresent()) {
            JsonNode schema = inputSchemas.get(message.path("params").path("name").asText(""));
            if (schema != null) {
                dev.waygate.mcp.ParamHeaders.headers(schema, message.path("params").path("arguments")).forEach(b::setHeader);
            }
        }
        HttpResponse<InputStream> r = modern && JsonRpc.isRequest(message) ? cancellable(b.build(), message.get("id"))
                : HttpTransports.send(client, b.build());
        int status = r.statusCode();
        if (modern && status >= 400 && status < 500 && !HttpTransports.isEventStream(r) && JsonRpc.isRequest(message)) {
            // 2026-07-28 answers header, version and unknown-method errors with 4xx and a JSON-RPC error body.
            InputStream errorBody = r.body();
            Object id = message.get("id");
            Thread.ofVirtual().name("upstream-" + config.name() + "-post-error").start(() -> readJson(errorBody, id));
            return;
        }
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
        byRequest.put((JsonNode) related, body);
        if (HttpTransports.isEventStream(r)) {
            Thread.ofVirtual().name("upstream-" + config.name() + "-post-sse").start(() -> readStream(body, related));
        } else {
            Thread.ofVirtual().name("upstream-" + config.name() + "-post-json").start(() -> readJson(body, related));
        }
    }

    /**
     * A 2026-07-28 request whose exchange can be aborted before its response headers arrive (a
     * server answering with JSON sends them only when done): cancelling it closes the connection,
     * which the server takes as the cancellation.
     */
    private HttpResponse<InputStream> cancellable(HttpRequest request, JsonNode id) throws IOException {
        var f = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        exchanges.put(id, f);
        try {
            return f.get();
        } catch (java.util.concurrent.CancellationException e) {
            throw new IOException("request cancelled");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new IOException("interrupted");
        } finally {
            exchanges.remove(id, f);
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
            byRequest.remove((JsonNode) related, body);
        }
        if (reply instanceof com.fasterxml.jackson.databind.node.ObjectNode o && (!o.has("id") || o.get("id").isNull())) {
            o.set("id", (JsonNode) related); // an error the server could not tie to an id answers this request
        }
        observe(reply, related);
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
                    JsonNode m = Json.parse(e.data());
                    observe(m, related);
                    inbound.message(m, related);
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
            if (related != null) {
                byRequest.remove((JsonNode) related, body);
            }
        }
    }

    @Override
    public void modern(String version) {
        this.protocolVersion = version;
        this.modern = true;
    }

    @Override
    public boolean cancel(JsonNode id) {
        if (!modern) {
            return false;
        }
        var exchange = exchanges.remove(id);
        if (exchange != null) {
            exchange.cancel(true);
            return true;
        }
        InputStream body = byRequest.remove(id);
        if (body == null) {
            return false;
        }
        try {
            body.close();
        } catch (IOException e) {
            // closed anyway
        }
        return true;
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
