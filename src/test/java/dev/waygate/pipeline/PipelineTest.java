package dev.waygate.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.McpException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The pipeline's own contract checks: every way a stage can misbehave ends in a denial. */
class PipelineTest {
    private static final JsonNode OK = Json.object().put("ok", true);

    /** Passes the call on unchanged. */
    private static final Stage PASS = (call, chain) -> chain.proceed(call);
    /** Answers without going further, as the upstream stage does. */
    private static final Stage TERMINAL = (call, chain) -> OK;

    static Stream<Arguments> brokenStages() {
        return Stream.of(
                argumentSet("throws IllegalStateException", middle((c, ch) -> {
                    throw new IllegalStateException("boom");
                }), "stage_failed"),
                argumentSet("throws NullPointerException", middle((c, ch) -> {
                    Object o = null;
                    return OK.get(o.toString());
                }), "stage_failed"),
                argumentSet("throws a checked exception sneakily", middle((c, ch) -> sneakyThrow(new IOException("disk"))),
                        "stage_failed"),
                argumentSet("returns without proceeding", middle((c, ch) -> OK), "stage_contract"),
                argumentSet("proceeds twice", middle((c, ch) -> {
                    ch.proceed(c);
                    return ch.proceed(c);
                }), "stage_contract"),
                argumentSet("proceeds, then returns null", middle((c, ch) -> {
                    ch.proceed(c);
                    return null;
                }), "stage_contract"),
                argumentSet("returns null without proceeding", middle((c, ch) -> null), "stage_contract"),
                argumentSet("terminal stage returns null", List.<Stage>of(PASS, (c, ch) -> null), "stage_contract"),
                argumentSet("terminal stage proceeds", List.<Stage>of(PASS, (c, ch) -> ch.proceed(c)), "stage_contract"),
                argumentSet("only stage throws", List.<Stage>of((c, ch) -> {
                    throw new UnsupportedOperationException();
                }), "stage_failed"),
                argumentSet("downstream stage throws, upstream passes the denial on", List.<Stage>of(PASS, PASS, (c, ch) -> {
                    throw new ArithmeticException();
                }), "stage_failed"));
    }

    @ParameterizedTest
    @MethodSource("brokenStages")
    void aMisbehavingStageDeniesTheCallWithAnInternalError(List<Stage> stages, String reason) {
        DeniedException e = catchThrowableOfType(DeniedException.class, () -> new Pipeline(stages).execute(call()));

        assertThat(e).as("a DeniedException").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCodes.INTERNAL_ERROR).isEqualTo(-32603);
        assertThat(e.decision().allowed()).isFalse();
        assertThat(e.decision().reasonCode()).isEqualTo(reason);
        assertThat(e.data()).hasValueSatisfying(d -> assertThat(d.path("reason").asText()).isEqualTo(reason));
    }

    @Test
    void theStageNameIsInTheMessageButNotTheExceptionText() {
        Stage secretive = new Stage() {
            @Override
            public JsonNode handle(Call call, Chain chain) {
                throw new IllegalStateException("password=hunter2");
            }

            @Override
            public String name() {
                return "Secretive";
            }
        };

        assertThatThrownBy(() -> new Pipeline(List.of(secretive)).execute(call()))
                .isInstanceOf(DeniedException.class)
                .hasMessageContaining("Secretive")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aSecondProceedNeverReachesTheNextStage() {
        AtomicInteger reached = new AtomicInteger();
        Stage twice = (c, ch) -> {
            JsonNode first = ch.proceed(c);
            try {
                ch.proceed(c);
            } catch (DeniedException refused) {
                assertThat(refused.decision().reasonCode()).isEqualTo("stage_contract");
            }
            return first;
        };
        Stage counting = (c, ch) -> {
            reached.incrementAndGet();
            return OK;
        };

        new Pipeline(List.of(twice, counting)).execute(call());

        assertThat(reached).hasValue(1);
    }

    /**
     * A stage that keeps its chain and proceeds after it has returned (e.g. from another thread)
     * must not reach the upstream: the call was already denied.
     */
    @Test
    void aLateProceedAfterTheStageReturnedIsRefused() {
        AtomicReference<Chain> kept = new AtomicReference<>();
        AtomicInteger reached = new AtomicInteger();
        Stage keeper = (c, ch) -> {
            kept.set(ch);
            return OK;
        };
        Stage counting = (c, ch) -> {
            reached.incrementAndGet();
            return OK;
        };
        Pipeline pipeline = new Pipeline(List.of(keeper, counting));
        Call call = call();

        assertThatThrownBy(() -> pipeline.execute(call)).isInstanceOf(DeniedException.class);
        Throwable late = catchThrowableOfType(DeniedException.class, () -> kept.get().proceed(call));

        assertThat(reached).as("the next stage ran after the pipeline denied the call").hasValue(0);
        assertThat(late).isNotNull();
    }

    static Stream<Arguments> mcpExceptions() {
        return Stream.of(
                argumentSet("denial", new DeniedException(Decision.deny("unauthenticated"), "authentication required")),
                argumentSet("invalid params", McpException.invalidParams("bad")),
                argumentSet("upstream timeout", McpException.upstream(ErrorCodes.UPSTREAM_TIMEOUT, "github", "slow")));
    }

    @ParameterizedTest
    @MethodSource("mcpExceptions")
    void anMcpExceptionFromAStagePassesThroughUnchanged(McpException thrown) {
        Stage throwing = (c, ch) -> {
            throw thrown;
        };

        assertThatThrownBy(() -> new Pipeline(List.of(throwing, TERMINAL)).execute(call())).isSameAs(thrown);
        assertThatThrownBy(() -> new Pipeline(List.of(PASS, PASS, throwing)).execute(call())).isSameAs(thrown);
    }

    @Test
    void stagesRunInOrderAndResultsReturnInReverseOrder() {
        List<String> seen = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        for (String n : List.of("identify", "policy", "guard", "rate")) {
            stages.add((c, ch) -> {
                seen.add("in:" + n);
                JsonNode r = ch.proceed(c);
                seen.add("out:" + n);
                return r;
            });
        }
        stages.add((c, ch) -> {
            seen.add("upstream");
            return OK;
        });

        assertThat(new Pipeline(stages).execute(call())).isEqualTo(OK);
        assertThat(seen).containsExactly("in:identify", "in:policy", "in:guard", "in:rate", "upstream",
                "out:rate", "out:guard", "out:policy", "out:identify");
    }

    @Test
    void aStageMayChangeTheCallAndTheNextStageSeesTheChange() {
        ObjectNode redacted = Json.object().put("name", "echo");
        redacted.putObject("arguments").put("message", "[redacted]");
        AtomicReference<Call> received = new AtomicReference<>();
        Stage redacting = (c, ch) -> ch.proceed(c.withParams(redacted));
        Stage capturing = (c, ch) -> {
            received.set(c);
            return OK;
        };
        Call original = call();

        new Pipeline(List.of(PASS, redacting, capturing)).execute(original);

        assertThat(received.get().params()).isSameAs(redacted);
        assertThat(received.get().name()).isEqualTo(original.name());
        assertThat(received.get().principal()).isEqualTo(original.principal());
        assertThat(original.params().path("arguments").path("message").asText()).isEqualTo("secret");
    }

    @Test
    void aStageMayChangeTheResult() {
        Stage wrapping = (c, ch) -> Json.object().set("wrapped", ch.proceed(c));

        assertThat(new Pipeline(List.of(wrapping, TERMINAL)).execute(call()))
                .isEqualTo(Json.object().set("wrapped", OK));
    }

    @Test
    void aStageThatProceedsWithNoCallIsDenied() {
        Stage nulling = (c, ch) -> ch.proceed(null);
        Stage reading = (c, ch) -> ch.proceed(c.withParams(Json.object()));

        assertThatThrownBy(() -> new Pipeline(List.of(nulling, reading, TERMINAL)).execute(call()))
                .isInstanceOfSatisfying(DeniedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCodes.INTERNAL_ERROR));
    }

    @Test
    void thePipelineIsRunnableManyTimesAndEachRunHasItsOwnProceedCount() {
        Pipeline p = new Pipeline(List.of(PASS, PASS, TERMINAL));

        for (int i = 0; i < 5; i++) {
            assertThat(p.execute(call())).isEqualTo(OK);
        }
    }

    @Test
    void anEmptyPipelineIsRefusedAtConstruction() {
        assertThatThrownBy(() -> new Pipeline(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theStageListIsACopy() {
        List<Stage> stages = new ArrayList<>(List.of(PASS, TERMINAL));
        Pipeline p = new Pipeline(stages);
        stages.clear();

        assertThat(p.stages()).containsExactly(PASS, TERMINAL);
        assertThatThrownBy(() -> p.stages().add(PASS)).isInstanceOf(UnsupportedOperationException.class);
    }

    private static List<Stage> middle(Stage broken) {
        return List.of(PASS, broken, TERMINAL);
    }

    private static Call call() {
        ObjectNode params = Json.object().put("name", "everything__echo");
        params.putObject("arguments").put("message", "secret");
        return new Call(CallKind.TOOL, "everything__echo", params,
                Optional.of(new Principal("ci-bot", java.util.Set.of("dev"), "abc")), new NoScope(), Optional.empty());
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> JsonNode sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }

    /** The pipeline never touches the scope; any use is a test failure. */
    private static final class NoScope implements Call.Scope {
        @Override
        public String sessionId() {
            throw new AssertionError("scope used");
        }

        @Override
        public ClientChannel channel() {
            throw new AssertionError("scope used");
        }

        @Override
        public void onCancel(Runnable action) {
            throw new AssertionError("scope used");
        }

        @Override
        public boolean cancelled() {
            throw new AssertionError("scope used");
        }

        @Override
        public JsonNode requestClient(String method, ObjectNode params) {
            throw new AssertionError("scope used");
        }

        @Override
        public boolean clientSupports(String capability) {
            throw new AssertionError("scope used");
        }
    }
}
