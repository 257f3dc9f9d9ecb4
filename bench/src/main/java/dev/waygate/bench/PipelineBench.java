package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.IdentifyStage;
import dev.waygate.auth.Principal;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.Pipeline;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.policy.PolicyStage;
import dev.waygate.ratelimit.RateLimitStage;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the pipeline adds to a call: the real {@link IdentifyStage}, {@link PolicyStage} and
 * {@link RateLimitStage} (per-principal and per-tool buckets, limits too high to ever deny) in
 * front of a terminal stage that returns a constant, against the terminal stage alone. The policy is
 * the 1,000-rule one of {@link PolicyBench} ({@code policy=1000}) or its one allowing rule
 * ({@code policy=1}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-DWAYGATE_LOG_LEVEL=WARN"})
public class PipelineBench {
    private static final String LIMITS = """
            rate_limits:
              per_principal: { per_minute: 1000000000 }
              per_tool: { per_minute: 1000000000 }
            """;

    private Pipeline full;
    private Pipeline full1000;
    private Pipeline terminalOnly;
    private Call call;

    @Setup
    public void setup() throws Exception {
        JsonNode constant = Json.parse("""
                {"content":[{"type":"text","text":"ok"}],"isError":false}""");
        Stage terminal = (c, chain) -> constant;
        full = pipeline(Fixtures.policyConfig(1, LIMITS), terminal);
        full1000 = pipeline(Fixtures.policyConfig(1000, LIMITS), terminal);
        terminalOnly = new Pipeline(List.of(terminal));
        ObjectNode params = (ObjectNode) Json.parse("""
                {"name":"github__create_issue","arguments":{"path":"/srv/repos/waygate","title":"Fix the flaky test"}}""");
        call = new Call(CallKind.TOOL, "github__create_issue", params,
                Optional.of(new Principal("alice", Set.of("dev"), "k1")), new Fixtures.NoScope(),
                Optional.of(new Call.Route("github", "create_issue")));
        if (full.execute(call) != constant || full1000.execute(call) != constant) {
            throw new IllegalStateException("the pipeline did not reach the terminal stage");
        }
    }

    private static Pipeline pipeline(GatewayConfig config, Stage terminal) {
        PolicySnapshot snapshot = PolicySnapshot.of(config.policy(), config.rateLimits());
        return new Pipeline(List.of(new IdentifyStage(), new PolicyStage(() -> snapshot), new RateLimitStage(), terminal));
    }

    @Benchmark
    public JsonNode baseline_terminalOnly() {
        return terminalOnly.execute(call);
    }

    @Benchmark
    public JsonNode identifyPolicyRateLimit_policy1() {
        return full.execute(call);
    }

    @Benchmark
    public JsonNode identifyPolicyRateLimit_policy1000() {
        return full1000.execute(call);
    }
}
