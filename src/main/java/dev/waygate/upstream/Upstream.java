package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.mcp.ProtocolVersions;
import dev.waygate.pipeline.Call;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream MCP server, shared by all client sessions: connects, does the handshake, correlates
 * requests and responses, maps progress tokens and cancellations, and restarts the connection with
 * exponential backoff when it ends. Callers block on virtual threads; a slow upstream blocks only
 * its own callers.
 */
public final class Upstream {
    private static final Logger LOG = LoggerFactory.getLogger(Upstream.class);
    static final Duration INITIAL_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A connection that stayed up this long resets the backoff. */
    static final Duration STABLE = Duration.ofSeconds(30);
    /** This many failures in a row, none of them stable, open the circuit: the server is unhealthy. */
    static final int BREAKER_THRESHOLD = 5;
    /** While the circuit is open calls fail at once; after this long one start is tried (the probe). */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(60);
    private static final String TOKEN_PREFIX = "wg-";

    /** {@code UNHEALTHY}: the circuit is open after repeated crashes; a probe start is tried every {@link #PROBE_INTERVAL}. */
    public enum State { STARTING, READY, BACKOFF, UNHEALTHY, STOPPED }

    private final ServerConfig config;
    private final Path defaultCwd;
    private final UpstreamEvents events;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private volatile Transport transport;
    private volatile State state = State.STARTING;
    private volatile String lastError = "";
    private volatile JsonNode initializeResult = Json.object();
    private volatile int restarts;
    private volatile Thread supervisor;
    private final java.util.List<Path> hidden;
    private volatile int failuresInARow;

    public Upstream(ServerConfig config, Path defaultCwd, UpstreamEvents events) {
        this(config, defaultCwd, events, java.util.List.of());
    }

    /** @param hidden host paths a sandboxed stdio server never sees (the gateway's data directory) */
    public Upstream(ServerConfig config, Path defaultCwd, UpstreamEvents events, java.util.List<Path> hidden) {
        this.config = config;
        this.defaultCwd = defaultCwd;
        this.events = events;
        this.hidden = java.util.List.copyOf(hidden);
    }

    public String name() {
        return config.name();
    }

    public ServerConfig config() {
        return config;
    }

    public State state() {
        return state;
    }

    public String lastError() {
        return lastError;
    }

    public int restarts() {
        return restarts;
    }

    /** The upstream's initialize result (capabilities, serverInfo); empty before the first handshake. */
    public JsonNode initializeResult() {
        return initializeResult;
    }

    public boolean hasCapability(String name) {
        return initializeResult.path("capabilities").has(name);
    }

    public void start() {
        supervisor = Thread.ofVirtual().name("upstream-" + config.name()).start(this::supervise);
    }

    public void stop() {
        state = State.STOPPED;
        Thread s = supervisor;
        if (s != null) {
            s.interrupt();
        }
        Transport t = transport;
        if (t != null) {
            t.close();
        }
        failAll(new McpException(ErrorCodes.SHUTTING_DOWN, "the gateway is shutting down"));
    }

    private void supervise() {
        Duration backoff = INITIAL_BACKOFF;
        while (state != State.STOPPED) {
            state = State.STARTING;
            long began = System.nanoTime();
            Object closedSignal = new Object();
            String[] closeReason = {null};
            try {
                connect(closedSignal, closeReason);
                state = State.READY;
                lastError = "";
                if (failuresInARow >= BREAKER_THRESHOLD) {
                    LOG.info("[{}] probe succeeded: circuit closed", config.name());
                    failuresInARow = BREAKER_THRESHOLD - 1; // one more quick failure opens it again
                }
                LOG.info("[{}] ready ({}, protocol {})", config.name(), transport.kind(),
                        initializeResult.path("protocolVersion").asText());
                events.ready(this);
                synchronized (closedSignal) {
                    while (closeReason[0] == null && state != State.STOPPED) {
                        closedSignal.wait();
                    }
                }
                lastError = closeReason[0] == null ? "" : closeReason[0];
            } catch (InterruptedException e) {
                break;
            } catch (IOException | McpException e) {
                lastError = e.getMessage();
            }
            Transport t = transport;
            if (t != null) {
                t.close();
            }
            java.util.Optional<dev.waygate.sandbox.LimitBreach> breach = t == null ? java.util.Optional.empty() : t.breach();
            failAll(breach.map(this::limitError).orElseGet(() -> McpException.upstream(ErrorCodes.UPSTREAM_FAILURE, config.name(),
                    "upstream '" + config.name() + "' disconnected: " + lastError)));
            if (state == State.STOPPED) {
                break;
            }
            state = State.BACKOFF;
            breach.ifPresent(b -> events.limitExceeded(this, b));
            events.down(this, lastError);
            if (Duration.ofNanos(System.nanoTime() - began).compareTo(STABLE) > 0) {
                backoff = INITIAL_BACKOFF;
                failuresInARow = 0;
            }
            Duration wait = backoff;
            if (++failuresInARow >= BREAKER_THRESHOLD) {
                // Circuit open: calls fail at once (state is not READY) until a probe start succeeds.
                state = State.UNHEALTHY;
                wait = PROBE_INTERVAL;
                LOG.warn("[{}] unhealthy after {} failures in a row: {}; next probe in {} s", config.name(), failuresInARow,
                        lastError, wait.toSeconds());
            } else {
                LOG.warn("[{}] down: {}; restarting in {} ms", config.name(), lastError, backoff.toMillis());
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                break;
            }
            restarts++;
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        state = State.STOPPED;
    }

    /** Opens a transport and does the handshake; a Streamable HTTP server that refuses the POST is retried as legacy SSE. */
    private void connect(Object closedSignal, String[] closeReason) throws IOException {
        Transport.Inbound inbound = new Transport.Inbound() {
            @Override
            public void message(JsonNode m, Object related) {
                onMessage(m, related);
            }

            @Override
            public void closed(String reason) {
                // Pending requests fail now, not at their timeout (a server dying during the handshake included).
                Transport t = transport;
                java.util.Optional<dev.waygate.sandbox.LimitBreach> breach = t == null ? java.util.Optional.empty() : t.breach();
                failAll(breach.map(Upstream.this::limitError).orElseGet(() -> McpException.upstream(ErrorCodes.UPSTREAM_FAILURE,
                        config.name(), "upstream '" + config.name() + "' disconnected: " + reason)));
                synchronized (closedSignal) {
                    closeReason[0] = reason;
                    closedSignal.notifyAll();
                }
            }
        };
        Transport t = switch (config.transport()) {
            case STDIO -> new StdioTransport(config, defaultCwd, hidden);
            case HTTP -> new StreamableHttpTransport(config);
            case SSE -> new SseTransport(config);
        };
        try {
            handshake(t, inbound);
        } catch (HttpStatusException e) {
            boolean refused = e.status() == 400 || e.status() == 404 || e.status() == 405;
            if (config.transport() != ServerConfig.Transport.HTTP || !refused) {
                throw e;
            }
            LOG.info("[{}] Streamable HTTP refused ({}); trying the legacy SSE transport", config.name(), e.getMessage());
            t.close();
            handshake(new SseTransport(config), inbound);
        }
    }

    private void handshake(Transport t, Transport.Inbound inbound) throws IOException {
        transport = t;
        t.open(inbound);
        ObjectNode params = Json.object().put("protocolVersion", ProtocolVersions.LATEST);
        ObjectNode caps = params.putObject("capabilities");
        caps.putObject("sampling");
        caps.putObject("elicitation");
        caps.putObject("roots").put("listChanged", true);
        params.putObject("clientInfo").put("name", "waygate").put("version", dev.waygate.Version.VERSION);
        JsonNode result = exchange("initialize", params, Optional.empty(), true);
        String version = result.path("protocolVersion").asText("");
        if (!ProtocolVersions.supported(version)) {
            throw new IOException("upstream speaks unsupported protocol version '" + version + "'");
        }
        initializeResult = result;
        t.negotiated(version);
        t.send(JsonRpc.notification("notifications/initialized", null));
    }

    /**
     * Sends a request for a client call and waits for the answer. Progress tokens and cancellation
     * are mapped between the client and this upstream.
     */
    public JsonNode request(String method, ObjectNode params, Optional<Call.Scope> scope) {
        if (state != State.READY) {
            throw McpException.upstream(ErrorCodes.UPSTREAM_UNAVAILABLE, config.name(),
                    "upstream '" + config.name() + "' is not available (" + state.name().toLowerCase()
                            + (lastError.isEmpty() ? "" : ": " + lastError) + ")");
        }
        try {
            return exchange(method, params, scope, false);
        } catch (IOException e) {
            throw McpException.upstream(ErrorCodes.UPSTREAM_FAILURE, config.name(),
                    "upstream '" + config.name() + "' failed: " + e.getMessage());
        }
    }

    private JsonNode exchange(String method, ObjectNode params, Optional<Call.Scope> scope, boolean handshake) throws IOException {
        long id = ids.incrementAndGet();
        Optional<JsonNode> clientToken = Optional.empty();
        ObjectNode sent = params;
        JsonNode token = params.path("_meta").get("progressToken");
        if (token != null) {
            clientToken = Optional.of(token);
            sent = params.deepCopy();
            ((ObjectNode) sent.get("_meta")).put("progressToken", TOKEN_PREFIX + id);
        }
        Pending p = new Pending(id, method, new java.util.concurrent.CompletableFuture<>(), scope, clientToken, System.nanoTime());
        pending.put(id, p);
        scope.ifPresent(s -> s.onCancel(() -> cancel(p, "cancelled by the client")));
        Transport t = transport;
        try {
            // The timeout covers the whole exchange: a remote transport's send blocks until the
            // response headers arrive, which a server answering with JSON sends only when done.
            t.send(JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(id), method, sent));
            long left = limitNanos(handshake) - (System.nanoTime() - p.startedNanos());
            JsonNode reply = p.response().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (reply.has("error")) {
                JsonNode err = reply.get("error");
                throw new McpException(err.path("code").asInt(ErrorCodes.INTERNAL_ERROR), err.path("message").asText("upstream error"),
                        err.get("data"));
            }
            return reply.path("result");
        } catch (TimeoutException | java.net.http.HttpTimeoutException e) {
            cancel(p, "timed out");
            if (!handshake && wallTimeoutApplies()) {
                // A call running past the sandbox's wall_timeout is a runaway: the server is killed and restarted.
                dev.waygate.sandbox.LimitBreach b = new dev.waygate.sandbox.LimitBreach("wall_timeout",
                        method + " ran longer than " + config.sandbox().limits().wallTimeout().orElseThrow().toMillis() + " ms");
                t.kill(b);
                throw limitError(b);
            }
            if (handshake) {
                throw new IOException("no answer to initialize within " + config.timeout().toMillis() + " ms");
            }
            throw McpException.upstream(ErrorCodes.UPSTREAM_TIMEOUT, config.name(),
                    "upstream '" + config.name() + "' did not answer " + method + " within " + config.timeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof McpException me) {
                throw me;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpException(ErrorCodes.SHUTTING_DOWN, "interrupted");
        } finally {
            pending.remove(id);
        }
    }

    /** How long a request may take: the server's timeout, or the sandbox's shorter wall_timeout for calls. */
    private long limitNanos(boolean handshake) {
        long timeout = config.timeout().toNanos();
        if (handshake || !wallTimeoutApplies()) {
            return timeout;
        }
        return Math.min(timeout, config.sandbox().limits().wallTimeout().orElseThrow().toNanos());
    }

    private boolean wallTimeoutApplies() {
        return config.transport() == ServerConfig.Transport.STDIO && config.sandbox().enabled()
                && config.sandbox().limits().wallTimeout().isPresent()
                && config.sandbox().limits().wallTimeout().get().compareTo(config.timeout()) <= 0;
    }

    /** The error pending calls get when a limit ended the server: {@code limit exceeded: cpu}, with data.limit. */
    private McpException limitError(dev.waygate.sandbox.LimitBreach b) {
        ObjectNode data = Json.object().put("server", config.name()).put("limit", b.limit()).put("detail", b.detail());
        return new McpException(ErrorCodes.LIMIT_EXCEEDED, b.message(), data);
    }

    /** Stops waiting and tells the upstream, so it can stop working on it. */
    private void cancel(Pending p, String reason) {
        if (pending.remove(p.id()) == null) {
            return;
        }
        p.response().completeExceptionally(new McpException(ErrorCodes.INTERNAL_ERROR, "request " + reason));
        try {
            ObjectNode params = Json.object().put("requestId", p.id()).put("reason", reason);
            transport.send(JsonRpc.notification("notifications/cancelled", params));
        } catch (IOException e) {
            LOG.debug("[{}] could not send cancellation: {}", config.name(), e.getMessage());
        }
    }

    private void failAll(McpException e) {
        for (Pending p : pending.values()) {
            p.response().completeExceptionally(e);
        }
        pending.clear();
    }

    private void onMessage(JsonNode m, Object related) {
        if (JsonRpc.isResponse(m)) {
            JsonNode id = m.get("id");
            Pending p = id.canConvertToLong() ? pending.get(id.asLong()) : null;
            if (p != null) {
                p.response().complete(m);
            }
            return;
        }
        if (!m.isObject() || !m.path("method").isTextual()) {
            LOG.warn("[{}] ignoring a malformed message", config.name());
            return;
        }
        String method = m.get("method").asText();
        ObjectNode params = m.path("params").isObject() ? (ObjectNode) m.get("params") : Json.object();
        if (JsonRpc.isRequest(m)) {
            Optional<Call.Scope> scope = attribute(related);
            JsonNode id = m.get("id");
            Thread.ofVirtual().name("upstream-" + config.name() + "-server-request").start(() -> answer(id, method, params, scope));
            return;
        }
        switch (method) {
            case "notifications/progress" -> progress(params);
            case "notifications/cancelled" -> { }
            case "notifications/tools/list_changed", "notifications/prompts/list_changed",
                 "notifications/resources/list_changed" -> events.listChanged(this, method);
            default -> events.notification(this, (ObjectNode) m, attribute(related));
        }
    }

    private void answer(JsonNode id, String method, ObjectNode params, Optional<Call.Scope> scope) {
        JsonNode reply;
        if (method.equals("ping")) {
            reply = JsonRpc.result(id, Json.object());
        } else {
            try {
                reply = JsonRpc.result(id, events.serverRequest(this, method, params, scope));
            } catch (McpException e) {
                reply = JsonRpc.error(id, e);
            } catch (RuntimeException e) {
                LOG.warn("[{}] answering {} failed", config.name(), method, e);
                reply = JsonRpc.error(id, ErrorCodes.INTERNAL_ERROR, "the gateway could not answer " + method, null);
            }
        }
        try {
            transport.send(reply);
        } catch (IOException e) {
            LOG.debug("[{}] could not answer {}: {}", config.name(), method, e.getMessage());
        }
    }

    private void progress(ObjectNode params) {
        String token = params.path("progressToken").asText("");
        if (!token.startsWith(TOKEN_PREFIX)) {
            return;
        }
        Pending p;
        try {
            p = pending.get(Long.parseLong(token.substring(TOKEN_PREFIX.length())));
        } catch (NumberFormatException e) {
            return;
        }
        if (p == null || p.scope().isEmpty() || p.clientProgressToken().isEmpty()) {
            return;
        }
        ObjectNode rewritten = params.deepCopy();
        rewritten.set("progressToken", p.clientProgressToken().get());
        p.scope().get().channel().send(JsonRpc.notification("notifications/progress", rewritten));
    }

    /**
     * Which client a message from the upstream belongs to. Exact when the transport names the
     * request whose stream carried it; otherwise only when every call in flight to this upstream
     * comes from one client session. Anything else is unattributable: sending it to a guessed
     * client could leak one principal's data to another.
     */
    private Optional<Call.Scope> attribute(Object related) {
        if (related instanceof JsonNode id && id.canConvertToLong()) {
            Pending p = pending.get(id.asLong());
            if (p != null && p.scope().isPresent()) {
                return p.scope();
            }
        }
        var inFlight = pending.values().stream().filter(p -> p.scope().isPresent()).toList();
        long sessions = inFlight.stream().map(p -> p.scope().get().sessionId()).distinct().count();
        if (sessions != 1) {
            return Optional.empty();
        }
        return inFlight.stream().max(Comparator.comparingLong(Pending::startedNanos)).flatMap(Pending::scope);
    }
}
