package dev.waygate.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.McpException;

/**
 * A stage's answer "not yet: retry with this state" to a 2026-07-28 client (an
 * {@code InputRequiredResult}). A stage may not return without proceeding, so it throws this; the
 * multi-round-trip front turns it into the result, and the audit stage records the call as not run
 * ({@code deny}, with the stage's reason, upstream status {@code input_required}). Only thrown for
 * a client that speaks multi-round-trip requests ({@link Call.Scope#relaysInputRequests()}).
 */
public final class InputRequired extends McpException {
    private final transient ObjectNode result;
    private final String reason;

    /** @param result the whole result ({@code resultType: input_required}, {@code requestState} and/or {@code inputRequests}) */
    public InputRequired(ObjectNode result, String reason) {
        super(ErrorCodes.INTERNAL_ERROR, "input required (" + reason + ")");
        this.result = result;
        this.reason = reason;
    }

    public ObjectNode result() {
        return result.deepCopy();
    }

    /** Why the call did not run yet, for the audit log (e.g. {@code approval_pending}). */
    public String reason() {
        return reason;
    }
}
