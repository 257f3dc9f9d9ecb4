package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.Json;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One MCP client session: who it is, what it negotiated, its standalone channel (the GET stream,
 * the legacy SSE stream or stdout), the client's requests in flight (for cancellation) and the
 * gateway's requests to the client awaiting an answer.
 */
public final class ClientSession {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    private final Principal principal;
    private final String protocolVersion;
    private final JsonNode clientCapabilities;
    private final JsonNode clientInfo;
    private final AtomicLong ids = new AtomicLong();
    final Map<String, RequestScope> inFlight = new ConcurrentHashMap<>();
    final Map<String, CompletableFuture<JsonNode>> awaitingClient = new ConcurrentHashMap<>();
    private volatile ClientChannel standalone = ClientChannel.CLOSED;
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile boolean closed;
    private final boolean modern;

    ClientSession(Principal principal, String protocolVersion, JsonNode clientCapabilities, JsonNode clientInfo) {
        this(principal, protocolVersion, clientCapabilities, clientInfo, false);
    }

    /**
     * @param modern a 2026-07-28 request's own short-lived session: it lives for one request (or one
     *               multi-round-trip call), is never named to the client, and has no standalone stream
     */
    ClientSession(Principal principal, String protocolVersion, JsonNode clientCapabilities, JsonNode clientInfo, boolean modern) {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        this.id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        this.principal = principal;
        this.protocolVersion = protocolVersion;
        this.clientCapabilities = clientCapabilities == null ? Json.object() : clientCapabilities;
        this.clientInfo = clientInfo == null ? Json.object() : clientInfo;
        this.modern = modern;
    }

    /** Whether this is a stateless 2026-07-28 request rather than an initialized session. */
    public boolean modern() {
        return modern;
    }

    public String id() {
        return id;
    }

    public Principal principal() {
        return principal;
    }

    public String protocolVersion() {
        return protocolVersion;
    }

    public JsonNode clientInfo() {
        return clientInfo;
    }

    boolean supports(String capability) {
        return clientCapabilities.has(capability);
    }

    public ClientChannel standalone() {
        return standalone;
    }

    /** Sets the stream for messages not tied to a request; returns false if one is already open. */
    public synchronized boolean attachStandalone(ClientChannel channel) {
        if (standalone != ClientChannel.CLOSED) {
            return false;
        }
        standalone = channel;
        return true;
    }

    public synchronized void detachStandalone(ClientChannel channel) {
        if (standalone == channel) {
            standalone = ClientChannel.CLOSED;
        }
    }

    String nextRequestId() {
        return "wg-" + ids.incrementAndGet();
    }

    public void touch() {
        lastUsedNanos = System.nanoTime();
    }

    public long idleNanos() {
        return System.nanoTime() - lastUsedNanos;
    }

    public boolean closed() {
        return closed;
    }

    /** Ends the session: its calls in flight are cancelled. */
    void close() {
        closed = true;
        inFlight.values().forEach(RequestScope::cancel);
        awaitingClient.values().forEach(f -> f.cancel(false));
        standalone = ClientChannel.CLOSED;
    }
}
