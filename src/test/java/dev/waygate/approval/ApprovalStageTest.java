package dev.waygate.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.waygate.config.ApprovalsConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.Effect;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicyStage;
import dev.waygate.policy.Risk;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where nobody can approve (stdio), calls that need approval are refused, never passed through. */
class ApprovalStageTest {
    static Call call(Risk risk) {
        Call c = new Call(CallKind.TOOL, "srv__rm", Json.object(), Optional.of(new dev.waygate.auth.Principal("a",
                java.util.Set.of(), "k")), null, Optional.of(new Call.Route("srv", "rm")));
        return c.with(PolicyStage.DECISION, new PolicyDecision(Effect.ALLOW, "r1", risk, "policy_allowed"));
    }

    @Test
    void withoutApproversHighRiskIsRefusedAndLowRiskPasses() {
        Stage s = ApprovalStage.unavailable(ApprovalsConfig.DEFAULTS);
        assertThatThrownBy(() -> s.handle(call(Risk.HIGH), c -> Json.object()))
                .isInstanceOf(DeniedException.class).hasMessageContaining("'r1' needs an approval")
                .extracting(e -> ((DeniedException) e).code()).isEqualTo(ErrorCodes.APPROVAL_DENIED);
        assertThat(s.handle(call(Risk.LOW), c -> Json.object().put("ok", true)).path("ok").asBoolean()).isTrue();
        assertThat(s.handle(call(Risk.MEDIUM), c -> Json.object().put("ok", true)).path("ok").asBoolean()).isTrue();
        Stage medium = ApprovalStage.unavailable(new ApprovalsConfig(Duration.ofMinutes(5), true, Duration.ofSeconds(15),
                Duration.ofHours(1), Optional.empty(), List.of()));
        assertThatThrownBy(() -> medium.handle(call(Risk.MEDIUM), c -> Json.object())).isInstanceOf(DeniedException.class);
    }
}
