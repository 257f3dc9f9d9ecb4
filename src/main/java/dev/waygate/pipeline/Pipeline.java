package dev.waygate.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.McpException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered list of stages every call goes through, built once from configuration. The last
 * stage is terminal (it does not proceed). Contract checks, each failing closed:
 * <ol>
 *   <li>a stage that throws anything but an {@link McpException} (checked exceptions included) denies
 *       the call ({@code stage_failed});</li>
 *   <li>a non-terminal stage that returns without proceeding, or returns null, denies ({@code stage_contract});</li>
 *   <li>a stage that proceeds twice, or after it returned (a chain kept for later), is refused
 *       ({@code stage_contract});</li>
 *   <li>a stage that catches a denial or failure from later stages and returns normally is
 *       refused: a stage cannot turn a denial into an allow ({@code stage_contract}).</li>
 * </ol>
 */
public final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    private final List<Stage> stages;

    public Pipeline(List<Stage> stages) {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a pipeline needs a terminal stage");
        }
        this.stages = List.copyOf(stages);
    }

    public List<Stage> stages() {
        return stages;
    }

    public JsonNode execute(Call call) {
        return at(0, call);
    }

    private JsonNode at(int index, Call call) {
        Stage stage = stages.get(index);
        boolean terminal = index == stages.size() - 1;
        java.util.concurrent.atomic.AtomicInteger proceeded = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean downstreamFailed = new java.util.concurrent.atomic.AtomicBoolean();
        Chain next = c -> {
            if (terminal) {
                throw contract(stage, "the terminal stage cannot proceed");
            }
            if (returned.get()) {
                throw contract(stage, "proceeded after it returned");
            }
            if (proceeded.incrementAndGet() > 1) {
                throw contract(stage, "proceeded more than once");
            }
            try {
                return at(index + 1, c);
            } catch (RuntimeException e) {
                downstreamFailed.set(true);
                throw e;
            }
        };
        JsonNode result;
        try {
            result = stage.handle(call, next);
        } catch (McpException e) {
            throw e;
        } catch (Exception e) {
            LOG.error("stage {} failed on {} {}; denying", stage.name(), call.kind(), call.name(), e);
            throw new DeniedException(ErrorCodes.INTERNAL_ERROR, Decision.deny("stage_failed"),
                    "the gateway could not evaluate this call (" + stage.name() + " failed)");
        } finally {
            returned.set(true);
        }
        if (downstreamFailed.get()) {
            throw contract(stage, "returned normally after a later stage denied or failed");
        }
        if (result == null || (!terminal && proceeded.get() == 0)) {
            throw contract(stage, result == null ? "returned nothing" : "neither denied nor proceeded");
        }
        return result;
    }

    private static DeniedException contract(Stage stage, String what) {
        LOG.error("stage {} broke the pipeline contract: {}; denying", stage.name(), what);
        return new DeniedException(ErrorCodes.INTERNAL_ERROR, Decision.deny("stage_contract"),
                "the gateway could not evaluate this call (" + stage.name() + " " + what + ")");
    }
}
