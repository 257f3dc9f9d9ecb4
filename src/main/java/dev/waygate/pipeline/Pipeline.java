package dev.waygate.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.McpException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
        Link next = new Link(index, stage);
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
            next.returned = true;
        }
        if (next.downstreamFailed) {
            throw contract(stage, "returned normally after a later stage denied or failed");
        }
        if (result == null || (index < stages.size() - 1 && next.proceeded == 0)) {
            throw contract(stage, result == null ? "returned nothing" : "neither denied nor proceeded");
        }
        return result;
    }

    /**
     * The chain one stage is handed, with the state the contract checks need: one object per stage
     * and call (it was a lambda and three atomics). Volatile, since a stage may hand its chain to
     * another thread; proceeding twice is caught even when two threads race to do it.
     */
    private final class Link implements Chain {
        private static final VarHandle PROCEEDED;

        static {
            try {
                PROCEEDED = MethodHandles.lookup().findVarHandle(Link.class, "proceeded", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final int index;
        private final Stage stage;
        private volatile int proceeded;
        private volatile boolean returned;
        private volatile boolean downstreamFailed;

        Link(int index, Stage stage) {
            this.index = index;
            this.stage = stage;
        }

        @Override
        public JsonNode proceed(Call c) {
            if (index == stages.size() - 1) {
                throw contract(stage, "the terminal stage cannot proceed");
            }
            if (returned) {
                throw contract(stage, "proceeded after it returned");
            }
            if ((int) PROCEEDED.getAndAdd(this, 1) > 0) {
                throw contract(stage, "proceeded more than once");
            }
            try {
                return at(index + 1, c);
            } catch (RuntimeException e) {
                downstreamFailed = true;
                throw e;
            }
        }
    }

    private static DeniedException contract(Stage stage, String what) {
        LOG.error("stage {} broke the pipeline contract: {}; denying", stage.name(), what);
        return new DeniedException(ErrorCodes.INTERNAL_ERROR, Decision.deny("stage_contract"),
                "the gateway could not evaluate this call (" + stage.name() + " " + what + ")");
    }
}
