package dev.waygate.router;

import dev.waygate.mcp.McpException;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.Refusal;

/**
 * The call names a tool, prompt or resource no upstream serves. On the wire exactly the error the
 * spec asks for (invalid params, or resource not found), without extra data; in the audit log a
 * denial with reason {@code unknown_tool}, {@code unknown_prompt} or {@code unknown_resource}.
 */
final class NotRoutedException extends McpException implements Refusal {
    private final transient Decision decision;

    NotRoutedException(int code, String reasonCode, String message) {
        super(code, message);
        this.decision = Decision.deny(reasonCode);
    }

    @Override
    public Decision decision() {
        return decision;
    }
}
