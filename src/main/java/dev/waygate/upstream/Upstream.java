package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.mcp.ModernMeta;
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
    /** Whether the connection speaks the stateless 2026-07-28 revision (found by a server/discover probe). */
    private volatile boolean modern;
    /** A probe that broke the connection is not repeated: the next connection goes straight to initialize. */
    private volatile boolean skipProbe;
    /** How long a server/discover probe may take before the server counts as legacy. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    /** Input rounds the gateway answers for a legacy client before it gives up on a modern upstream's call. */
    static final int MAX_INPUT_ROUNDS = 8;

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

    /** Whether this upstream speaks 2026-07-28 (stateless, MRTR) rather than a legacy revision. */
    public boolean modern() {
        return modern;
    }

    public boolean hasCapability(String name) {
        return initializeResult.path("capabilities").has(name);
    }

    public void start() {
        Deadlines.watch(pending);
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
        Deadlines.forget(pending);
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
            case STDIO -> StartAhead.take(config, defaultCwd, hidden).orElseGet(() -> new StdioTransport(config, defaultCwd, hidden));
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
        modern = false;
        t.open(inbound);
        if (!skipProbe && probe(t)) {
            return;
        }
        ObjectNode params = Json.object().put("protocolVersion", ProtocolVersions.LATEST);
        ObjectNode caps = params.putObject("capabilities");
        caps.putObject("sampling");
        caps.putObject("elicitation");
        caps.putObject("roots").put("listChanged", true);
        params.putObject("clientInfo").put("name", "waygate").put("version", dev.waygate.Version.VERSION);
        JsonNode result = exchange("initialize", params, Optional.empty(), true, config.timeout());
        String version = result.path("protocolVersion").asText("");
        if (!ProtocolVersions.supported(version)) {
            throw new IOException("upstream speaks unsupported protocol version '" + version + "'");
        }
        initializeResult = result;
        t.negotiated(version);
        t.send(JsonRpc.notification("notifications/initialized", null));
    }

    /**
     * Era detection (spec: versioning, backward compatibility): a {@code server/discover} that
     * offers 2026-07-28 makes the connection modern; any error, a refused POST or silence means a
     * legacy server, which then gets {@code initialize} on the same connection.
     */
    private boolean probe(Transport t) throws IOException {
        JsonNode result;
        try {
            result = exchange("server/discover", Json.object(), Optional.empty(), true, PROBE_TIMEOUT);
        } catch (McpException | HttpStatusException e) {
            LOG.debug("[{}] server/discover refused ({}): a legacy server", config.name(), e.getMessage());
            return false;
        } catch (IOException e) {
            skipProbe = true; // the probe may have broken the connection: next time, initialize only
            LOG.info("[{}] no answer to server/discover ({}): treating it as a legacy server", config.name(), e.getMessage());
            return false;
        }
        boolean offered = false;
        for (JsonNode v : result.path("supportedVersions")) {
            offered |= v.asText().equals(ProtocolVersions.MODERN_LATEST);
        }
        if (!offered) {
            return false;
        }
        ObjectNode init = Json.object().put("protocolVersion", ProtocolVersions.MODERN_LATEST);
        init.set("capabilities", result.path("capabilities").isObject() ? result.get("capabilities") : Json.object());
        JsonNode info = result.path("_meta").path(ModernMeta.SERVER_INFO);
        init.set("serverInfo", info.isObject() ? info : Json.object());
        if (result.path("instructions").isTextual()) {
            init.set("instructions", result.get("instructions"));
        }
        initializeResult = init;
        modern = true;
        t.modern(ProtocolVersions.MODERN_LATEST);
        listen(t);
        return true;
    }

    /** 2026-07-28 has no standalone stream: list changes arrive on a subscriptions/listen stream we keep open. */
    private void listen(Transport t) throws IOException {
        ObjectNode params = Json.object();
        params.putObject("notifications").put("toolsListChanged", true).put("promptsListChanged", true)
                .put("resourcesListChanged", true);
        t.send(JsonRpc.request(new com.fasterxml.jackson.databind.node.TextNode(LISTEN_ID), "subscriptions/listen",
                withModernMeta(params, Optional.empty())));
    }

    static final String LISTEN_ID = "wg-listen";

    /** The per-request fields of 2026-07-28; the capabilities are the client's, so the upstream asks only for what it can give. */
    private static ObjectNode withModernMeta(ObjectNode params, Optional<Call.Scope> scope) {
        ObjectNode p = params.deepCopy();
        ObjectNode meta = p.get("_meta") instanceof ObjectNode m ? m : p.putObject("_meta");
        meta.put(ModernMeta.PROTOCOL_VERSION, ProtocolVersions.MODERN_LATEST);
        ObjectNode caps = meta.putObject(ModernMeta.CLIENT_CAPABILITIES);
        for (String c : new String[] {"sampling", "elicitation", "roots"}) {
            if (scope.isPresent() && scope.get().clientSupports(c)) {
                caps.putObject(c);
            }
        }
        meta.putObject(ModernMeta.CLIENT_INFO).put("name", "waygate").put("version", dev.waygate.Version.VERSION);
        return p;
    }

    /**
     * Sends a request for a client call and waits for the answer. Progress tokens and cancellation
     * are mapped between the client and this upstream. A modern upstream's {@code input_required}
     * result goes back as it is to a client that speaks MRTR; for a legacy client the gateway asks
     * it with server-initiated requests (where it declared the capability) and retries.
     */
    public JsonNode request(String method, ObjectNode params, Optional<Call.Scope> scope) {
        if (state != State.READY) {
            throw McpException.upstream(ErrorCodes.UPSTREAM_UNAVAILABLE, config.name(),
                    "upstream '" + config.name() + "' is not available (" + state.name().toLowerCase()
                            + (lastError.isEmpty() ? "" : ": " + lastError) + ")");
        }
        try {
            JsonNode r = exchange(method, params, scope, false, config.timeout());
            for (int round = 0; inputRequired(r) && scope.isPresent() && !scope.get().relaysInputRequests(); round++) {
                if (round >= MAX_INPUT_ROUNDS) {
                    throw McpException.upstream(ErrorCodes.UPSTREAM_FAILURE, config.name(),
                            "upstream '" + config.name() + "' asked for input more than " + MAX_INPUT_ROUNDS + " times");
                }
                r = exchange(method, answerInputs(params, r, scope.get()), scope, false, config.timeout());
            }
            return r;
        } catch (IOException e) {
            throw McpException.upstream(ErrorCodes.UPSTREAM_FAILURE, config.name(),
                    "upstream '" + config.name() + "' failed: " + e.getMessage());
        }
    }

    static boolean inputRequired(JsonNode result) {
        return result.path("resultType").asText().equals("input_required");
    }

    /** Asks a legacy client each input request of a modern upstream's result; returns the retry's params. */
    private ObjectNode answerInputs(ObjectNode params, JsonNode inputRequired, Call.Scope scope) {
        ObjectNode retry = params.deepCopy();
        retry.remove("requestState");
        ObjectNode responses = retry.putObject("inputResponses");
        var it = inputRequired.path("inputRequests").fields();
        while (it.hasNext()) {
            var e = it.next();
            String clientMethod = e.getValue().path("method").asText();
            String capability = switch (clientMethod) {
                case "sampling/createMessage" -> "sampling";
                case "elicitation/create" -> "elicitation";
                case "roots/list" -> "roots";
                default -> throw McpException.upstream(ErrorCodes.UPSTREAM_FAILURE, config.name(),
                        "upstream '" + config.name() + "' asked for unknown input " + LogTextHolder.clip(clientMethod));
            };
            if (!scope.clientSupports(capability)) {
                throw new McpException(ErrorCodes.MISSING_CLIENT_CAPABILITY, "upstream '" + config.name() + "' needs "
                        + capability + ", which the client did not declare",
                        Json.object().put("server", config.name()).set("requiredCapabilities",
                                Json.MAPPER.createArrayNode().add(capability)));
            }
            ObjectNode p = e.getValue().path("params").isObject() ? (ObjectNode) e.getValue().get("params") : Json.object();
            responses.set(e.getKey(), scope.requestClient(clientMethod, p));
        }
        if (inputRequired.path("requestState").isTextual()) {
            retry.set("requestState", inputRequired.get("requestState"));
        }
        return retry;
    }

    /** Clips what an upstream sent before it goes into a message. */
    private static final class LogTextHolder {
        static String clip(String s) {
            String p = dev.waygate.mcp.LogText.printable(s);
            return p.length() > 100 ? p.substring(0, 100) + "…" : p;
        }
    }

    private JsonNode exchange(String method, ObjectNode params, Optional<Call.Scope> scope, boolean handshake, Duration timeout)
            throws IOException {
        long id = ids.incrementAndGet();
        Optional<JsonNode> clientToken = Optional.empty();
        if (modern || method.equals("server/discover")) {
            params = withModernMeta(params, scope);
        }
        ObjectNode sent = params;
        JsonNode token = params.path("_meta").get("progressToken");
        if (token != null) {
            clientToken = Optional.of(token);
            sent = params.deepCopy();
            ((ObjectNode) sent.get("_meta")).put("progressToken", TOKEN_PREFIX + id);
        }
        long now = System.nanoTime();
        Pending p = new Pending(id, method, new java.util.concurrent.CompletableFuture<>(), scope, clientToken, now,
                now + limitNanos(handshake, timeout));
        pending.put(id, p);
        scope.ifPresent(s -> s.onCancel(() -> cancel(p, "cancelled by the client")));
        Transport t = transport;
        try {
            // The timeout covers the whole exchange: a remote transport's send blocks until the
            // response headers arrive, which a server answering with JSON sends only when done.
            t.send(JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(id), method, sent));
            JsonNode reply;
            try {
                reply = p.response().get(); // Deadlines ends it at p.deadlineNanos()
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TimeoutException te) {
                    throw te;
                }
                throw e;
            }
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
                throw new IOException("no answer to " + method + " within " + timeout.toMillis() + " ms");
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
    private long limitNanos(boolean handshake, Duration timeout) {
        long limit = timeout.toNanos();
        if (handshake || !wallTimeoutApplies()) {
            return limit;
        }
        return Math.min(limit, config.sandbox().limits().wallTimeout().orElseThrow().toNanos());
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
        if (modern && transport.cancel(Json.MAPPER.getNodeFactory().numberNode(p.id()))) {
            return; // 2026-07-28 over HTTP: closing the response stream is the cancellation
        }
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
            case "notifications/cancelled", "notifications/subscriptions/acknowledged" -> { }
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
