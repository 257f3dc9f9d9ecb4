package dev.waygate.pipeline;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One step of the call path. A stage either denies (throws {@link DeniedException} or another
 * {@link dev.waygate.mcp.McpException}), or calls {@link Chain#proceed} exactly once and returns
 * what it returned (possibly changed). The chain enforces this contract and fails closed.
 */
@FunctionalInterface
public interface Stage {
    JsonNode handle(Call call, Chain chain);

    /** Name in logs and errors; the simple class name by default. */
    default String name() {
        return getClass().getSimpleName();
    }
}
