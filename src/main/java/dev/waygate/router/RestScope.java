package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.McpException;
import dev.waygate.pipeline.Call;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The client side of a call made over REST ({@code POST /mcp/execute}) rather than an MCP session:
 * there is no stream for notifications (they are dropped) and no way to ask the caller anything, so
 * an upstream's sampling, elicitation or roots request is refused — and a capability check says
 * so, letting stages that could ask the user (approval by elicitation) fall back to a person.
 * Cancelled when the HTTP client goes away.
 */
final class RestScope implements Call.Scope {
    private final String id;
    private final Cancellation cancellation = new Cancellation();

    RestScope(String id) {
        this.id = id;
    }

    @Override
    public String sessionId() {
        return id;
    }

    @Override
    public ClientChannel channel() {
        return ClientChannel.CLOSED;
    }

    @Override
    public void onCancel(Runnable action) {
        cancellation.onCancel(action);
    }

    @Override
    public boolean cancelled() {
        return cancellation.cancelled();
    }

    void cancel() {
        cancellation.cancel();
    }

    @Override
    public JsonNode requestClient(String method, ObjectNode params) {
        throw new McpException(ErrorCodes.INVALID_REQUEST, method + " is not available to a call made over REST");
    }

    @Override
    public boolean clientSupports(String capability) {
        return false;
    }
}
