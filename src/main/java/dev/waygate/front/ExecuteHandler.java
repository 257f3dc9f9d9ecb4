package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.McpException;
import dev.waygate.pipeline.Refusal;
import dev.waygate.router.Router;
import java.util.Optional;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code POST /mcp/execute} {@code {"tool": "server__tool", "arguments": {...}}}: a tool call for
 * scripts and schedulers that do not speak MCP, through the same pipeline as {@code tools/call}.
 * 200 {@code {"result": <CallToolResult>}} (a tool's own error is a result with
 * {@code isError: true}); a refusal is {@code {"error": {"code", "message", "data"}}} with the
 * status {@link #status} gives it — 429 with {@code Retry-After} for a rate limit.
 */
final class ExecuteHandler {
    static final String PATH = "/mcp/execute";
    private static final long MAX_BODY = 4L * 1024 * 1024;

    private final Router router;
    private final HttpGuard guard;
    private final long maxBody;

    ExecuteHandler(Router router, HttpGuard guard, long maxBody) {
        this.router = router;
        this.guard = guard;
        this.maxBody = Math.min(maxBody, MAX_BODY);
    }

    void handle(Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        if (!request.getMethod().equals("POST")) {
            Http.error(response, callback, 405, "method_not_allowed", "use POST");
            return;
        }
        ObjectNode body;
        try {
            body = Http.jsonObject(request, maxBody);
        } catch (IllegalArgumentException e) {
            Http.error(response, callback, 400, "bad_request", e.getMessage());
            return;
        }
        JsonNode tool = body.path("tool");
        JsonNode arguments = body.path("arguments");
        if (!tool.isTextual() || tool.asText().isEmpty()) {
            Http.error(response, callback, 400, "bad_request", "'tool' must name a tool (as tools/list shows it)");
            return;
        }
        if (!arguments.isMissingNode() && !arguments.isObject()) {
            Http.error(response, callback, 400, "bad_request", "'arguments' must be an object");
            return;
        }
        try {
            JsonNode result = router.execute(principal.get(), tool.asText(),
                    arguments.isObject() ? (ObjectNode) arguments : Json.object(),
                    cancel -> request.addFailureListener(failure -> cancel.run()));
            ObjectNode out = Json.object();
            out.set("result", result);
            Http.json(response, callback, 200, out);
        } catch (McpException e) {
            ObjectNode out = Json.object();
            ObjectNode err = out.putObject("error").put("code", code(e)).put("message", e.getMessage());
            e.data().ifPresent(d -> err.set("data", d));
            err.put("jsonrpc_code", e.code());
            e.data().map(d -> d.path("retry_after_seconds")).filter(JsonNode::isNumber)
                    .ifPresent(r -> response.getHeaders().put("Retry-After", r.asText()));
            Http.json(response, callback, status(e), out);
        }
    }

    /** One place where a JSON-RPC refusal becomes an HTTP status. */
    static int status(McpException e) {
        if (e instanceof Refusal d) {
            return switch (d.decision().reasonCode()) {
                case "rate_limited" -> 429;
                case "unauthenticated" -> 401;
                case "unknown_tool" -> 404;
                default -> 403;
            };
        }
        return switch (e.code()) {
            case ErrorCodes.INVALID_PARAMS, ErrorCodes.INVALID_REQUEST -> 400;
            case ErrorCodes.METHOD_NOT_FOUND, ErrorCodes.RESOURCE_NOT_FOUND -> 404;
            case ErrorCodes.UPSTREAM_TIMEOUT -> 504;
            case ErrorCodes.UPSTREAM_UNAVAILABLE, ErrorCodes.SHUTTING_DOWN -> 503;
            case ErrorCodes.UPSTREAM_FAILURE -> 502;
            case ErrorCodes.GUARD_DENIED, ErrorCodes.TOOL_QUARANTINED -> 403;
            default -> e.code() == ErrorCodes.DENIED ? 403 : 500;
        };
    }

    private static String code(McpException e) {
        if (e instanceof Refusal d) {
            return d.decision().reasonCode();
        }
        return switch (status(e)) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 403 -> e.code() == ErrorCodes.TOOL_QUARANTINED ? "tool_quarantined" : "guard_denied";
            case 502, 503, 504 -> "upstream_unavailable";
            default -> "error";
        };
    }
}
