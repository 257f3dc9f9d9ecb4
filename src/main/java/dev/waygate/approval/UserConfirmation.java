package dev.waygate.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;

/**
 * Asks the calling user to confirm a call through MCP elicitation ({@code elicitation/create}, a
 * form with one boolean). Only an explicit accept with {@code approve: true} confirms; decline,
 * cancel, a missing or non-boolean answer refuse the call.
 */
final class UserConfirmation {
    private UserConfirmation() {}

    /**
     * @return true when the user confirmed; false when the client cannot be asked (no elicitation capability)
     * @throws DeniedException when the user did not confirm
     */
    static boolean ask(Call call, String rule) {
        if (!call.scope().clientSupports("elicitation")) {
            return false;
        }
        ObjectNode params = Json.object().put("message", "Allow the call to " + call.name() + " (policy rule '" + rule + "')?");
        ObjectNode schema = params.putObject("requestedSchema").put("type", "object");
        schema.putObject("properties").putObject("approve").put("type", "boolean").put("title", "Allow this call");
        schema.putArray("required").add("approve");
        JsonNode answer = call.scope().requestClient("elicitation/create", params);
        boolean yes = "accept".equals(answer.path("action").asText()) && answer.path("content").path("approve").isBoolean()
                && answer.path("content").path("approve").booleanValue();
        if (!yes) {
            throw new DeniedException(ErrorCodes.APPROVAL_DENIED, new Decision(false, "approval_denied_by_user", rule, false),
                    "the calling user did not confirm the call to " + call.name());
        }
        return true;
    }
}
