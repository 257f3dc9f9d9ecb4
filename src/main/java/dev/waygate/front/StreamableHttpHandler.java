package dev.waygate.front;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.mcp.ProtocolVersions;
import dev.waygate.router.ClientSession;
import dev.waygate.router.Router;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * MCP Streamable HTTP at {@code /mcp} (protocol 2025-03-26 and later): POST carries one message;
 * requests that may produce intermediate messages (progress, sampling) are answered as an SSE
 * stream, the rest as JSON; GET opens the session's standalone stream; DELETE ends the session.
 */
final class StreamableHttpHandler {
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    /** Methods whose answer may be preceded by notifications or requests to the client. */
    private static final Set<String> STREAMED = Set.of("tools/call", "prompts/get", "resources/read", "completion/complete");

    private final GatewayConfig config;
    private final Router router;
    private final HttpGuard guard;
    private final ModernHandler modern;

    StreamableHttpHandler(GatewayConfig config, Router router, HttpGuard guard) {
        this(config, router, guard, e -> { });
    }

    StreamableHttpHandler(GatewayConfig config, Router router, HttpGuard guard,
                          java.util.function.Consumer<dev.waygate.audit.AuditEvent> audit) {
        this.config = config;
        this.router = router;
        this.guard = guard;
        this.modern = new ModernHandler(router, audit);
    }

    void handle(Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        String version = request.getHeaders().get(VERSION_HEADER);
        if (!request.getMethod().equals("POST") && version != null && ProtocolVersions.modern(version)) {
            // 2026-07-28 has no GET stream and no session to DELETE (spec: Streamable HTTP, backward compatibility).
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            Http.error(response, callback, 405, "method_not_allowed", "protocol " + version + " uses POST only");
            return;
        }
        switch (request.getMethod()) {
            case "POST" -> post(request, response, callback, principal.get());
            case "GET" -> get(request, response, callback, principal.get());
            case "DELETE" -> delete(request, response, callback, principal.get());
            default -> {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, POST, DELETE");
                Http.error(response, callback, 405, "method_not_allowed", "use POST, GET or DELETE");
            }
        }
    }

    private void post(Request request, Response response, Callback callback, Principal principal) {
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
            Http.closeAfter(response);
            Http.error(response, callback, 415, "unsupported_media_type", "Content-Type must be application/json");
            return;
        }
        // 2026-07-28: the headers name the method and target, so the policy can refuse before the body is parsed.
        Optional<McpException> early = modern.precheck(request, principal);
        JsonNode message;
        try {
            message = Json.parse(Http.readBody(request, config.maxBodyBytes()));
        } catch (Http.TooLarge e) {
            Http.closeAfter(response);
            Http.json(response, callback, 413, JsonRpc.error(null, ErrorCodes.INVALID_REQUEST, e.getMessage(), null));
            return;
        } catch (JsonProcessingException e) {
            Http.json(response, callback, 400, JsonRpc.error(null, ErrorCodes.PARSE_ERROR, "parse error: invalid JSON", null));
            return;
        } catch (IOException e) {
            Http.error(response, callback, 400, "bad_request", "could not read the request body");
            return;
        }
        try {
            if (message == null || message.isArray()) {
                throw new McpException(ErrorCodes.INVALID_REQUEST, "send one JSON-RPC message per request (batches are not supported)");
            }
            JsonRpc.validate(message);
        } catch (McpException e) {
            Http.json(response, callback, 400, JsonRpc.error(message == null ? null : message.get("id"), e));
            return;
        }
        String version = request.getHeaders().get(VERSION_HEADER);
        if (ModernHandler.modern(message, version)) {
            modern.post(request, response, callback, principal, message, early);
            return;
        }
        if (version != null && !ProtocolVersions.supported(version)) {
            Http.json(response, callback, 400, JsonRpc.error(message.get("id"), ErrorCodes.INVALID_REQUEST,
                    "unsupported MCP-Protocol-Version: " + version + " (supported: " + String.join(", ", ProtocolVersions.SUPPORTED) + ")", null));
            return;
        }
        if (JsonRpc.isRequest(message) && message.get("method").asText().equals("initialize")) {
            initialize(message, response, callback, principal);
            return;
        }
        Optional<ClientSession> session = session(request, response, callback, principal, message);
        if (session.isEmpty()) {
            return;
        }
        if (!JsonRpc.isRequest(message)) {
            router.handle(session.get(), message, session.get().standalone());
            Http.empty(response, callback, 202);
            return;
        }
        if (STREAMED.contains(message.get("method").asText()) && Http.accepts(request, "text/event-stream")) {
            stream(session.get(), message, response, callback, Http.accepts(request, "application/json"));
        } else {
            Optional<JsonNode> reply = router.handle(session.get(), message, session.get().standalone());
            if (reply.isPresent()) {
                Http.json(response, callback, 200, reply.get());
            } else {
                Http.empty(response, callback, 202);
            }
        }
    }

    private void initialize(JsonNode message, Response response, Callback callback, Principal principal) {
        try {
            ClientSession s = router.initialize(principal, message.path("params"));
            response.getHeaders().put(SESSION_HEADER, s.id());
            Http.json(response, callback, 200, JsonRpc.result(message.get("id"), router.initializeResult(s)));
        } catch (McpException e) {
            Http.json(response, callback, 400, JsonRpc.error(message.get("id"), e));
        }
    }

    /** The request's session; 400 without the header, 404 when unknown or another principal's (the client then re-initializes). */
    private Optional<ClientSession> session(Request request, Response response, Callback callback, Principal principal,
                                            JsonNode message) {
        String id = request.getHeaders().get(SESSION_HEADER);
        if (id == null) {
            Http.json(response, callback, 400, JsonRpc.error(message == null ? null : message.get("id"),
                    ErrorCodes.INVALID_REQUEST, "missing Mcp-Session-Id header (send initialize first)", null));
            return Optional.empty();
        }
        Optional<ClientSession> s = router.session(id, principal);
        if (s.isEmpty()) {
            Http.json(response, callback, 404, JsonRpc.error(message == null ? null : message.get("id"),
                    ErrorCodes.INVALID_REQUEST, "session not found (expired or ended): initialize again", null));
        }
        return s;
    }

    /**
     * One request run on this thread and answered on a response of its own, which becomes an event
     * stream only if something (progress, a server request, a keep-alive) precedes the answer;
     * otherwise the answer is one JSON write.
     */
    private void stream(ClientSession session, JsonNode message, Response response, Callback callback, boolean jsonAllowed) {
        AnswerStream answer = AnswerStream.open(response, SseStream.KEEPALIVE, jsonAllowed);
        Optional<JsonNode> reply = Optional.empty();
        try {
            reply = router.handle(session, message, answer);
        } finally {
            answer.answer(reply, callback);
        }
    }

    private void get(Request request, Response response, Callback callback, Principal principal) {
        if (!Http.accepts(request, "text/event-stream")) {
            Http.error(response, callback, 406, "not_acceptable", "GET /mcp opens an event stream: Accept: text/event-stream");
            return;
        }
        Optional<ClientSession> session = session(request, response, callback, principal, null);
        if (session.isEmpty()) {
            return;
        }
        SseStream sse = new SseStream(response);
        if (!session.get().attachStandalone(sse)) {
            Http.error(response, callback, 409, "conflict", "this session already has an open GET stream");
            return;
        }
        try {
            sse.start();
            sse.pump();
        } catch (IOException e) {
            // client gone
        } finally {
            session.get().detachStandalone(sse);
        }
        finish(response, callback);
    }

    private void delete(Request request, Response response, Callback callback, Principal principal) {
        Optional<ClientSession> session = session(request, response, callback, principal, null);
        if (session.isPresent()) {
            router.endSession(session.get());
            Http.empty(response, callback, 204);
        }
    }

    static void finish(Response response, Callback callback) {
        try {
            Http.writeBlocking(response, true, new byte[0]);
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e);
        }
    }
}
