package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.CallKind;
import dev.waygate.policy.Policy;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicyQuery;
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
 * {@link Policy#decide} and {@link Policy#visible} over 1,000 rules read from YAML by the gateway's
 * config loader (see {@link Fixtures#policyConfig} for the mix), against a one-rule policy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class PolicyBench {
    private Policy one;
    private Policy thousand;
    private PolicyQuery allowed;
    private PolicyQuery unmatched;

    @Setup
    public void setup() throws Exception {
        one = Fixtures.policyConfig(1, "").policy();
        thousand = Fixtures.policyConfig(1000, "").policy();
        Principal alice = new Principal("alice", Set.of("dev", "oncall"), "k1");
        JsonNode args = Json.parse("""
                {"path": "/srv/repos/waygate/README.md", "title": "Fix the flaky test", "labels": ["bug"]}""");
        allowed = new PolicyQuery(alice, CallKind.TOOL, "github", "github__create_issue", args);
        unmatched = new PolicyQuery(alice, CallKind.TOOL, "github", "github__delete_repo", args);
        check(one.decide(allowed), "match");
        check(thousand.decide(allowed), "match");
        check(thousand.decide(unmatched), PolicyDecision.DEFAULT_RULE);
        if (thousand.rules().size() != 1000 || !thousand.visible(allowed) || thousand.visible(unmatched)) {
            throw new IllegalStateException("the 1,000-rule policy is not what the benchmark expects");
        }
    }

    private static void check(PolicyDecision d, String rule) {
        if (!d.rule().equals(rule)) {
            throw new IllegalStateException("expected rule " + rule + ", got " + d);
        }
    }

    @Benchmark
    public PolicyDecision baseline_decide1Rule() {
        return one.decide(allowed);
    }

    /** The allowing rule is number 991 of 1,000. */
    @Benchmark
    public PolicyDecision decide1000_matchNearEnd() {
        return thousand.decide(allowed);
    }

    /** No rule matches: every rule is tried, then the default denies. */
    @Benchmark
    public PolicyDecision decide1000_defaultDeny() {
        return thousand.decide(unmatched);
    }

    /** What tools/list asks per tool. */
    @Benchmark
    public boolean visible1000_matchNearEnd() {
        return thousand.visible(allowed);
    }

    @Benchmark
    public boolean visible1000_hidden() {
        return thousand.visible(unmatched);
    }
}
