package dev.waygate.front;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.Correlation;
import dev.waygate.auth.Principal;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.router.ClientSession;
import dev.waygate.router.Router;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) for older clients: {@code GET /sse} opens the
 * stream and names the endpoint; {@code POST /message?sessionId=…} carries each message (202), and
 * every answer goes down the stream. A POST must come from the principal that opened the stream.
 */
final class LegacySseHandler {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One open stream and, after initialize, its MCP session. */
    private static final class Connection {
        final Principal principal;
        final SseStream stream;
        volatile ClientSession session;

        Connection(Principal principal, SseStream stream) {
            this.principal = principal;
            this.stream = stream;
        }
    }

    private final GatewayConfig config;
    private final Router router;
    private final HttpGuard guard;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    LegacySseHandler(GatewayConfig config, Router router, HttpGuard guard) {
        this.config = config;
        this.router = router;
        this.guard = guard;
    }

    void stream(Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        if (!request.getMethod().equals("GET")) {
            Http.error(response, callback, 405, "method_not_allowed", "GET /sse opens the event stream");
            return;
        }
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        SseStream sse = new SseStream(response);
        Connection c = new Connection(principal.get(), sse);
        connections.put(id, c);
        try {
            sse.start();
            sse.event("endpoint", "/message?sessionId=" + id);
            sse.pump();
        } catch (IOException e) {
            // client gone
        } finally {
            connections.remove(id);
            if (c.session != null) {
                router.endSession(c.session);
            }
        }
        StreamableHttpHandler.finish(response, callback);
    }

    void message(Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        if (!request.getMethod().equals("POST")) {
            Http.error(response, callback, 405, "method_not_allowed", "POST /message?sessionId=…");
            return;
        }
        String id = Request.extractQueryParameters(request).getValue("sessionId");
        Connection c = id == null ? null : connections.get(id);
        if (c == null || !c.principal.name().equals(principal.get().name())) {
            Http.error(response, callback, 404, "session_not_found", "unknown sessionId: open GET /sse first");
            return;
        }
        JsonNode message;
        try {
            message = Json.parse(Http.readBody(request, config.maxBodyBytes()));
            if (message == null || message.isArray()) {
                throw new McpException(ErrorCodes.INVALID_REQUEST, "send one JSON-RPC message per request");
            }
            JsonRpc.validate(message);
        } catch (Http.TooLarge e) {
            Http.closeAfter(response);
            Http.json(response, callback, 413, JsonRpc.error(null, ErrorCodes.INVALID_REQUEST, e.getMessage(), null));
            return;
        } catch (JsonProcessingException e) {
            Http.json(response, callback, 400, JsonRpc.error(null, ErrorCodes.PARSE_ERROR, "parse error: invalid JSON", null));
            return;
        } catch (McpException e) {
            Http.json(response, callback, 400, JsonRpc.error(null, e));
            return;
        } catch (IOException e) {
            Http.error(response, callback, 400, "bad_request", "could not read the request body");
            return;
        }
        Http.empty(response, callback, 202);
        String correlation = Correlation.current().orElseGet(Correlation::generate);
        Thread.ofVirtual().name("mcp-sse-message").start(() -> Correlation.run(correlation, () -> dispatch(c, message)));
    }

    private void dispatch(Connection c, JsonNode message) {
        if (JsonRpc.isRequest(message) && message.get("method").asText().equals("initialize")) {
            try {
                ClientSession s = router.initialize(c.principal, message.path("params"));
                s.attachStandalone(c.stream);
                c.session = s;
                c.stream.send(JsonRpc.result(message.get("id"), router.initializeResult(s)));
            } catch (McpException e) {
                c.stream.send(JsonRpc.error(message.get("id"), e));
            }
            return;
        }
        if (c.session == null) {
            if (JsonRpc.isRequest(message)) {
                c.stream.send(JsonRpc.error(message.get("id"), ErrorCodes.INVALID_REQUEST, "send initialize first", null));
            }
            return;
        }
        router.handle(c.session, message, c.stream).ifPresent(c.stream::send);
    }
}
