package dev.waygate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Stage;

/**
 * First stage: a call without an established principal goes no further. The fronts authenticate
 * each request before it becomes a call; this stage makes the pipeline fail closed even if a front
 * forgot to.
 */
public final class IdentifyStage implements Stage {
    @Override
    public JsonNode handle(Call call, Chain chain) {
        if (call.principal().isEmpty()) {
            throw new DeniedException(Decision.deny("unauthenticated"), "authentication required");
        }
        return chain.proceed(call);
    }
}
