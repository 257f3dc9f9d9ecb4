package dev.waygate.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The one exception family of the MCP layer: carries the JSON-RPC error it becomes. Thrown by the
 * router, the pipeline and the upstream clients; turned into a JSON-RPC error in one place
 * ({@link JsonRpc#error}).
 */
public class McpException extends RuntimeException {
    private final int code;
    private final transient JsonNode data;

    public McpException(int code, String message) {
        this(code, message, null);
    }

    public McpException(int code, String message, JsonNode data) {
        super(message);
        this.code = code;
        this.data = data;
    }

    public int code() {
        return code;
    }

    public Optional<JsonNode> data() {
        return Optional.ofNullable(data);
    }

    public static McpException invalidParams(String message) {
        return new McpException(ErrorCodes.INVALID_PARAMS, message);
    }

    public static McpException upstream(int code, String server, String message) {
        ObjectNode data = Json.object().put("server", server);
        return new McpException(code, message, data);
    }
}
