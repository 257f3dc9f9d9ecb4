package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.Correlation;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.mcp.ModernMeta;
import dev.waygate.mcp.ProtocolVersions;
import dev.waygate.router.ClientSession;
import dev.waygate.router.Listeners;
import dev.waygate.router.Router;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * MCP 2026-07-28 on Streamable HTTP at {@code /mcp}: every POST stands alone (no session id is
 * read or minted), declares its protocol version in a header and in {@code _meta}, and mirrors its
 * method and target in {@code Mcp-Method}/{@code Mcp-Name}. A request is answered as JSON or as an
 * SSE stream scoped to it; closing that stream cancels it. {@code subscriptions/listen} holds a
 * stream open for the change notifications the client asked for.
 *
 * <p>Checks, in order: 1. MCP-Protocol-Version header present; 2. the required {@code _meta}
 * fields (else invalid params); 3. header and {@code _meta} version agree (else HeaderMismatch);
 * 4. the version is spoken here (else UnsupportedProtocolVersion, listing ours); 5. Mcp-Method and
 * Mcp-Name match the body (HeaderMismatch); 6. the policy decision already taken from the headers.
 */
final class ModernHandler {
    private static final Set<String> STREAMED = Set.of("tools/call", "prompts/get", "resources/read", "completion/complete");
    /** Errors the transport answers with 400 (spec: Streamable HTTP, Server Validation; basic, _meta). */
    private static final Set<Integer> BAD_REQUEST = Set.of(ErrorCodes.HEADER_MISMATCH, ErrorCodes.MISSING_CLIENT_CAPABILITY,
            ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION, ErrorCodes.INVALID_REQUEST);

    /**
     * How often an idle request stream writes a comment: closing the stream is the client's only
     * way to cancel (2026-07-28), and a write is how a closed connection is noticed (the second
     * write after the peer left fails), so a cancellation reaches the upstream within about twice this.
     */
    static final java.time.Duration CLOSE_PROBE = java.time.Duration.ofSeconds(1);

    private final Router router;
    private final java.util.function.Consumer<dev.waygate.audit.AuditEvent> audit;

    ModernHandler(Router router) {
        this(router, e -> { });
    }

    /** @param audit records the refusals made from the headers alone (the pipeline, which audits calls, never runs for them) */
    ModernHandler(Router router, java.util.function.Consumer<dev.waygate.audit.AuditEvent> audit) {
        this.router = router;
        this.audit = audit;
    }

    /** Whether a POST belongs to the modern era: its body declares a version in _meta, or its header names a modern one. */
    static boolean modern(JsonNode message, String headerVersion) {
        return ModernMeta.declaredVersion(message).isPresent() || (headerVersion != null && ProtocolVersions.modern(headerVersion));
    }

    /** The decision the headers allow before the body is read (see {@link Router#precheck}). */
    Optional<McpException> precheck(Request request, Principal principal) {
        String version = request.getHeaders().get(StreamableHttpHandler.VERSION_HEADER);
        if (version == null || !ProtocolVersions.modern(version)) {
            return Optional.empty(); // headers of older versions are not validated against the body: never trust them
        }
        Optional<McpHeaders> h = McpHeaders.read(request.getHeaders());
        try {
            if (h.isEmpty() || h.get().name().isEmpty()) {
                return Optional.empty();
            }
            return router.precheck(principal, h.get().method(), h.get().name().get());
        } catch (McpException e) {
            return Optional.of(e);
        }
    }

    void post(Request request, Response response, Callback callback, Principal principal, JsonNode message,
              Optional<McpException> early) {
        JsonNode id = message.get("id");
        if (JsonRpc.isResponse(message)) {
            Http.json(response, callback, 400, JsonRpc.error(id, ErrorCodes.INVALID_REQUEST,
                    "2026-07-28 clients send no responses (server requests travel as input requests)", null));
            return;
        }
        if (JsonRpc.isNotification(message)) {
            // On HTTP a closed response stream is the cancellation; other notifications have no meaning here.
            Http.empty(response, callback, 202);
            return;
        }
        ModernMeta meta;
        try {
            meta = validate(request, message);
        } catch (McpException e) {
            Http.json(response, callback, 400, JsonRpc.error(id, e)); // every validation failure is a bad request
            return;
        }
        if (early.isPresent()) {
            audited(principal, message, early.get());
            Http.json(response, callback, status(early.get().code()), JsonRpc.error(id, early.get()));
            return;
        }
        ClientSession session = router.modernSession(principal, meta);
        String method = message.get("method").asText();
        if (method.equals("subscriptions/listen")) {
            listen(session, message, response, callback);
        } else if (STREAMED.contains(method) && Http.accepts(request, "text/event-stream")) {
            stream(session, message, response, callback);
        } else {
            try {
                JsonNode reply = router.handle(session, message, ClientChannel.CLOSED)
                        .orElseGet(() -> JsonRpc.error(id, ErrorCodes.INTERNAL_ERROR, "no result", null));
                Http.json(response, callback, reply.has("error") ? status(reply.path("error").path("code").asInt()) : 200, reply);
            } finally {
                router.release(session);
            }
        }
    }

    /** Records a refusal decided from the headers, like the audit stage records the pipeline's (deny, its reason code). */
    private void audited(Principal principal, JsonNode message, McpException e) {
        String reason = e instanceof dev.waygate.pipeline.Refusal r ? r.decision().reasonCode()
                : e.data().map(d -> d.path("reason").asText("")).filter(x -> !x.isEmpty()).orElse("header_precheck");
        String method = message.path("method").asText();
        String target = message.path("params").path(method.equals("resources/read") ? "uri" : "name").asText("");
        try {
            audit.accept(new dev.waygate.audit.AuditEvent(java.time.Instant.now(), Correlation.current().orElse(""),
                    principal.name(), method, dev.waygate.audit.Redactor.text(target), dev.waygate.audit.AuditEvent.Outcome.DENY,
                    reason, 0, "", com.fasterxml.jackson.databind.node.NullNode.instance));
        } catch (RuntimeException x) {
            org.slf4j.LoggerFactory.getLogger(ModernHandler.class).warn("could not audit a refusal from headers: {}", x.getMessage());
        }
    }

    private ModernMeta validate(Request request, JsonNode message) {
        String header = request.getHeaders().get(StreamableHttpHandler.VERSION_HEADER);
        if (header == null) {
            throw new McpException(ErrorCodes.HEADER_MISMATCH, "Header mismatch: missing required header MCP-Protocol-Version");
        }
        ModernMeta meta = ModernMeta.of(message);
        if (!meta.protocolVersion().equals(header)) {
            throw new McpException(ErrorCodes.HEADER_MISMATCH, "Header mismatch: MCP-Protocol-Version header value '"
                    + dev.waygate.mcp.LogText.printable(header) + "' does not match _meta value '"
                    + dev.waygate.mcp.LogText.printable(meta.protocolVersion()) + "'");
        }
        if (!ProtocolVersions.modern(meta.protocolVersion())) {
            var data = Json.object();
            ProtocolVersions.ALL.forEach(data.putArray("supported")::add);
            data.put("requested", meta.protocolVersion());
            throw new McpException(ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", data);
        }
        McpHeaders.check(McpHeaders.read(request.getHeaders()), message);
        if (message.path("method").asText().equals("tools/call")) {
            router.toolInputSchema(message.path("params").path("name").asText("")).ifPresent(schema ->
                    dev.waygate.mcp.ParamHeaders.check(schema, message.path("params").path("arguments"), request.getHeaders()::get));
        }
        return meta;
    }

    static int status(int code) {
        if (code == ErrorCodes.METHOD_NOT_FOUND) {
            return 404;
        }
        return BAD_REQUEST.contains(code) ? 400 : 200;
    }

    /**
     * One request answered on its own SSE stream; the client closing it cancels the request. The
     * stream starts with the first message, or after one {@link #CLOSE_PROBE} at the latest: an error
     * answered before anything was streamed gets its own HTTP status (e.g. 400 for a missing client
     * capability, spec: basic, _meta), which a started stream could no longer carry.
     */
    private void stream(ClientSession session, JsonNode message, Response response, Callback callback) {
        SseStream sse = new SseStream(response, CLOSE_PROBE);
        java.util.concurrent.CompletableFuture<Optional<JsonNode>> done = new java.util.concurrent.CompletableFuture<>();
        String correlation = Correlation.current().orElseGet(Correlation::generate);
        Thread.ofVirtual().name("mcp-call").start(() -> Correlation.run(correlation, () -> {
            Optional<JsonNode> reply = Optional.empty();
            try {
                reply = router.handle(session, message, sse);
            } finally {
                done.complete(reply);
            }
        }));
        Optional<JsonNode> early = null;
        try {
            early = done.get(CLOSE_PROBE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // still running: stream
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            early = Optional.empty();
        }
        if (early != null && early.isPresent() && early.get().has("error") && sse.nothingQueued()
                && status(early.get().path("error").path("code").asInt()) != 200) {
            router.release(session);
            Http.json(response, callback, status(early.get().path("error").path("code").asInt()), early.get());
            return;
        }
        try {
            sse.start();
        } catch (IOException e) {
            router.cancel(session);
            done.whenComplete((r, x) -> router.release(session));
            callback.failed(e);
            return;
        }
        done.whenComplete((r, x) -> {
            if (r != null) {
                r.ifPresent(sse::send);
            }
            sse.end();
            router.release(session);
        });
        sse.pump();
        if (sse.clientGone()) {
            router.cancel(session);
        }
        StreamableHttpHandler.finish(response, callback);
    }

    /** {@code subscriptions/listen}: acknowledges, then streams the chosen notifications until the client closes the stream. */
    private void listen(ClientSession session, JsonNode message, Response response, Callback callback) {
        SseStream sse = new SseStream(response);
        Listeners.Listener listener = null;
        try {
            sse.start();
            listener = router.listen(session, message.get("id"), message.path("params").path("notifications"), sse);
            sse.pump();
        } catch (IOException e) {
            // the client went away
        } finally {
            if (listener != null) {
                listener.close();
            }
            router.release(session);
        }
        StreamableHttpHandler.finish(response, callback);
    }
}
