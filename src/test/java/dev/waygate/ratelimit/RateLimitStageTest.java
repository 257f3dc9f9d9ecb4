package dev.waygate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.Policy;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.policy.Effect;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicyStage;
import dev.waygate.policy.Risk;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimitStageTest {
    static final JsonNode OK = Json.object().put("ok", true);

    @Test
    void concurrentCallersNeverGetMoreThanTheBurst() throws Exception {
        Stage stage = limited(new RateLimits(Optional.empty(),
                Optional.of(new RateLimit(1, 25)), Map.of()));
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger limited = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    stage.handle(call("alice", "s__t", ""), c -> {
                        admitted.incrementAndGet();
                        return OK;
                    });
                } catch (DeniedException e) {
                    limited.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(admitted.get()).isEqualTo(25);
        assertThat(limited.get()).isEqualTo(175);
    }

    @Test
    void bucketsArePerPrincipalAndPerTool() {
        Stage stage = limited(new RateLimits(Optional.empty(), Optional.of(new RateLimit(1, 1)), Map.of()));
        stage.handle(call("alice", "s__a", ""), c -> OK);
        stage.handle(call("alice", "s__b", ""), c -> OK);
        stage.handle(call("bob", "s__a", ""), c -> OK);
        assertThatThrownBy(() -> stage.handle(call("alice", "s__a", ""), c -> OK)).isInstanceOf(DeniedException.class);
    }

    @Test
    void thePrincipalLimitCoversAllToolsAndTheDenialSaysWhenToRetry() {
        Stage stage = limited(new RateLimits(Optional.of(new RateLimit(60, 2)), Optional.empty(), Map.of()));
        stage.handle(call("alice", "s__a", ""), c -> OK);
        stage.handle(call("alice", "s__b", ""), c -> OK);
        assertThatThrownBy(() -> stage.handle(call("alice", "s__c", ""), c -> OK))
                .isInstanceOfSatisfying(DeniedException.class, e -> {
                    assertThat(e.decision().reasonCode()).isEqualTo("rate_limited");
                    assertThat(e.data().orElseThrow().path("retry_after_seconds").asLong()).isBetween(1L, 2L);
                    assertThat(e.getMessage()).contains("principal alice").contains("retry after");
                });
    }

    @Test
    void aRuleLimitAppliesOnlyToCallsThatRuleAllowed() {
        Stage stage = limited(new RateLimits(Optional.empty(), Optional.empty(),
                Map.of("writes", new RateLimit(1, 1))));
        stage.handle(call("alice", "s__write", "writes"), c -> OK);
        assertThatThrownBy(() -> stage.handle(call("alice", "s__write", "writes"), c -> OK))
                .isInstanceOfSatisfying(DeniedException.class, e -> assertThat(e.getMessage()).contains("rule 'writes'"));
        for (int i = 0; i < 10; i++) {
            stage.handle(call("alice", "s__write", "reads"), c -> OK);
        }
    }

    @Test
    void aCallWithoutThePolicySnapshotIsRefusedNotWaivedThrough() {
        assertThatThrownBy(() -> new RateLimitStage().handle(call("alice", "s__a", ""), c -> OK))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("snapshot");
    }

    @Test
    void theLimitsAreThoseOfTheSnapshotOnTheCallNotOfALaterVersion() {
        RateLimitStage stage = new RateLimitStage();
        PolicySnapshot strict = PolicySnapshot.of(Policy.DENY_ALL, new RateLimits(Optional.empty(), Optional.empty(),
                Map.of("writes", new RateLimit(1, 1))));
        PolicySnapshot loose = PolicySnapshot.of(Policy.DENY_ALL, new RateLimits(Optional.empty(), Optional.empty(),
                Map.of("writes", new RateLimit(1, 1000))));
        stage.handle(call("alice", "s__write", "writes").with(PolicyStage.SNAPSHOT, strict), c -> OK);
        for (int i = 0; i < 10; i++) {
            stage.handle(call("alice", "s__write", "writes").with(PolicyStage.SNAPSHOT, loose), c -> OK);
        }
        assertThatThrownBy(() -> stage.handle(call("alice", "s__write", "writes").with(PolicyStage.SNAPSHOT, strict), c -> OK))
                .isInstanceOf(DeniedException.class);
    }

    /** One stage (its buckets shared across calls) judging every call by a snapshot holding these limits. */
    @Test
    void evictionDropsOnlyFullBucketsAndChangesNoDecision() {
        RateLimitStage stage = new RateLimitStage();
        // 60/min refills one token a second: a bucket of burst 1 is full again after a second.
        Stage s = limited(stage, new RateLimits(Optional.empty(), Optional.of(new RateLimit(1, 2)), Map.of()));
        s.handle(call("alice", "s__a", ""), c -> OK);
        s.handle(call("alice", "s__a", ""), c -> OK);
        s.handle(call("bob", "s__a", ""), c -> OK);
        assertThat(stage.bucketCount()).isEqualTo(2);
        assertThat(stage.evictFull()).isZero(); // neither bucket is full: both are kept
        assertThatThrownBy(() -> s.handle(call("alice", "s__a", ""), c -> OK)).isInstanceOf(DeniedException.class);

        RateLimitStage fresh = new RateLimitStage();
        Stage f = limited(fresh, new RateLimits(Optional.empty(), Optional.of(new RateLimit(60_000, 1)), Map.of()));
        f.handle(call("carol", "s__a", ""), c -> OK);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (fresh.evictFull() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // 1,000 tokens a second: refilled within a millisecond or two
        }
        assertThat(fresh.bucketCount()).isZero();
        f.handle(call("carol", "s__a", ""), c -> OK); // a new bucket admits what the full one would have
    }

    private static Stage limited(RateLimits limits) {
        return limited(new RateLimitStage(), limits);
    }

    private static Stage limited(RateLimitStage stage, RateLimits limits) {
        PolicySnapshot snapshot = PolicySnapshot.of(Policy.DENY_ALL, limits);
        return (call, chain) -> stage.handle(call.with(PolicyStage.SNAPSHOT, snapshot), chain);
    }

    private static Call call(String principal, String tool, String rule) {
        ObjectNode params = Json.object().put("name", tool);
        Call c = new Call(CallKind.TOOL, tool, params, Optional.of(new Principal(principal, Set.of(), "k")), new NoScope(),
                Optional.of(new Call.Route("s", tool)));
        return rule.isEmpty() ? c : c.with(PolicyStage.DECISION, new PolicyDecision(Effect.ALLOW, rule, Risk.LOW, "policy_allowed"));
    }

    private static final class NoScope implements Call.Scope {
        @Override public String sessionId() { return "s"; }
        @Override public ClientChannel channel() { return ClientChannel.CLOSED; }
        @Override public void onCancel(Runnable action) { }
        @Override public boolean cancelled() { return false; }
        @Override public JsonNode requestClient(String method, ObjectNode params) { throw new AssertionError(); }
        @Override public boolean clientSupports(String capability) { return false; }
    }
}
