package dev.waygate.pipeline;

import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.McpException;

/** A stage refused the call. Reaches the client as a JSON-RPC error carrying the reason code. */
public final class DeniedException extends McpException implements Refusal {
    private final transient Decision decision;

    public DeniedException(Decision decision, String message) {
        this(ErrorCodes.DENIED, decision, message);
    }

    public DeniedException(int code, Decision decision, String message) {
        super(code, message, Json.object().put("reason", decision.reasonCode()));
        this.decision = decision;
    }

    @Override
    public Decision decision() {
        return decision;
    }
}
