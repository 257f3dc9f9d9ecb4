package dev.waygate.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Building and classifying JSON-RPC 2.0 messages (kept as Jackson trees: the gateway forwards what it does not need to read). */
public final class JsonRpc {
    private JsonRpc() {}

    public static boolean isRequest(JsonNode m) {
        return m.hasNonNull("method") && m.has("id");
    }

    public static boolean isNotification(JsonNode m) {
        return m.hasNonNull("method") && !m.has("id");
    }

    public static boolean isResponse(JsonNode m) {
        return !m.has("method") && m.has("id") && (m.has("result") || m.has("error"));
    }

    /** Checks the envelope of one incoming message; throws INVALID_REQUEST with the reason. */
    public static void validate(JsonNode m) {
        if (!m.isObject()) {
            throw new McpException(ErrorCodes.INVALID_REQUEST, "a JSON-RPC message must be an object");
        }
        if (!"2.0".equals(m.path("jsonrpc").asText(null))) {
            throw new McpException(ErrorCodes.INVALID_REQUEST, "jsonrpc must be \"2.0\"");
        }
        JsonNode id = m.get("id");
        if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
            throw new McpException(ErrorCodes.INVALID_REQUEST, "id must be a string or an integer");
        }
        if (m.has("method")) {
            if (!m.get("method").isTextual()) {
                throw new McpException(ErrorCodes.INVALID_REQUEST, "method must be a string");
            }
            JsonNode params = m.get("params");
            if (params != null && !params.isObject()) {
                throw new McpException(ErrorCodes.INVALID_REQUEST, "params must be an object");
            }
        } else if (!isResponse(m)) {
            throw new McpException(ErrorCodes.INVALID_REQUEST, "not a request, notification or response");
        }
    }

    public static ObjectNode request(JsonNode id, String method, JsonNode params) {
        ObjectNode m = Json.object().put("jsonrpc", "2.0");
        m.set("id", id);
        m.put("method", method);
        if (params != null && !params.isNull()) {
            m.set("params", params);
        }
        return m;
    }

    public static ObjectNode notification(String method, JsonNode params) {
        ObjectNode m = Json.object().put("jsonrpc", "2.0").put("method", method);
        if (params != null && !params.isNull()) {
            m.set("params", params);
        }
        return m;
    }

    public static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode m = Json.object().put("jsonrpc", "2.0");
        m.set("id", id == null ? NullNode.instance : id);
        m.set("result", result);
        return m;
    }

    public static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode m = Json.object().put("jsonrpc", "2.0");
        m.set("id", id == null ? NullNode.instance : id);
        ObjectNode err = m.putObject("error").put("code", code).put("message", message);
        if (data != null) {
            err.set("data", data);
        }
        return m;
    }

    public static ObjectNode error(JsonNode id, McpException e) {
        return error(id, e.code(), e.getMessage(), e.data().orElse(null));
    }
}
