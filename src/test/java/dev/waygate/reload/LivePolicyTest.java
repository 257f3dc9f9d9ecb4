package dev.waygate.reload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.Gateway;
import dev.waygate.auth.Principal;
import dev.waygate.config.ConfigLoader;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.Pipeline;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.policy.PolicyStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The holder of the live policy: swaps on a valid file, keeps the old on a bad one, one reload at a time. */
class LivePolicyTest {
    static final String HEAD = "version: 1\nlisten: 127.0.0.1:0\n";
    /** Allows s__x by rule rA with a generous limit. */
    static final String A = """
            policy:
              rules:
                - name: rA
                  tools: ["s__x"]
                  effect: allow
                  rate_limit: { per_minute: 100000, burst: 100000 }
            """;
    /** Denies s__x by rule rB; its own rule named rA (never reached for s__x) allows a single call. */
    static final String B = """
            policy:
              rules:
                - name: rB
                  tools: ["s__x"]
                  effect: deny
                - name: rA
                  tools: ["s__x"]
                  effect: allow
                  rate_limit: { per_minute: 1, burst: 1 }
            """;

    @TempDir
    Path dir;

    private LivePolicy start(String body) throws Exception {
        Path file = dir.resolve("waygate.yaml");
        Files.writeString(file, HEAD + body);
        return new LivePolicy(ConfigLoader.load(file));
    }

    private void write(String body) throws Exception {
        Files.writeString(dir.resolve("waygate.yaml"), HEAD + body);
    }

    @Test
    void aPartThatChangedMakesTheReloadAppliedThoughTheFileIsTheSame() throws Exception {
        LivePolicy live = start(A);
        List<Boolean> answers = new ArrayList<>(List.of(true, false));
        List<Boolean> seconds = new ArrayList<>();
        live.onValidConfig(c -> answers.removeFirst());
        live.onValidConfig(c -> seconds.add(true) && false); // told even when the first part changed

        ReloadResult changed = live.reload("test");
        assertThat(changed.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
        assertThat(changed.inForce().version()).isEqualTo(2);
        ReloadResult same = live.reload("test");
        assertThat(same.outcome()).isEqualTo(ReloadResult.Outcome.UNCHANGED);
        assertThat(same.inForce().version()).isEqualTo(2);
        assertThat(seconds).hasSize(2);

        write("policy: { rules: [ { name: bad, colour: red } ] }\n");
        live.onValidConfig(c -> {
            throw new AssertionError("a refused file is not handed to the parts");
        });
        assertThat(live.reload("test").outcome()).isEqualTo(ReloadResult.Outcome.REFUSED);
    }

    @Test
    void aValidFileSwapsPolicyAndRateLimitsAsTheNextVersion() throws Exception {
        LivePolicy live = start(A);
        PolicySnapshot before = live.get();
        assertThat(before.version()).isEqualTo(1);
        assertThat(before.digest()).hasSize(64);

        write(B);
        ReloadResult r = live.reload("test");

        assertThat(r.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
        assertThat(r.restartNeeded()).isEmpty();
        PolicySnapshot after = live.get();
        assertThat(after).isSameAs(r.inForce());
        assertThat(after.version()).isEqualTo(2);
        assertThat(after.digest()).isNotEqualTo(before.digest());
        assertThat(after.policy().rules()).extracting(dev.waygate.policy.Rule::name).containsExactly("rB", "rA");
        assertThat(after.rateLimits().perRule().get("rA").burst()).isEqualTo(1);
        assertThat(live.lastReload()).contains(r);
    }

    @Test
    void theSameContentAgainChangesNothing() throws Exception {
        LivePolicy live = start(A);
        PolicySnapshot before = live.get();
        ReloadResult r = live.reload("test");
        assertThat(r.outcome()).isEqualTo(ReloadResult.Outcome.UNCHANGED);
        assertThat(r.applied()).isFalse();
        assertThat(live.get()).isSameAs(before);
    }

    @Test
    void aBadFileKeepsTheOldVersionAndSaysFileLineKeyAndReason() throws Exception {
        LivePolicy live = start(A);
        PolicySnapshot before = live.get();
        write("""
                policy:
                  rules:
                    - name: rA
                      tools: ["s__x"]
                      effect: permit
                """);
        ReloadResult r = live.reload("test");

        assertThat(r.outcome()).isEqualTo(ReloadResult.Outcome.REFUSED);
        assertThat(r.error().orElseThrow()).startsWith(dir.resolve("waygate.yaml") + ":7: ").contains("effect");
        assertThat(live.get()).isSameAs(before);
        assertThat(r.inForce()).isSameAs(before);
        assertThat(live.lastReload().orElseThrow().error()).isEqualTo(r.error());
    }

    @Test
    void aMissingFileAndAnUnknownKeyAreRefusedToo() throws Exception {
        LivePolicy live = start(A);
        write(A.replace("effect: allow", "effect: allow\n      colour: red"));
        assertThat(live.reload("test").error().orElseThrow()).contains("waygate.yaml:8: policy.rules[0].colour: unknown key");
        Files.delete(dir.resolve("waygate.yaml"));
        assertThat(live.reload("test").error().orElseThrow()).endsWith("waygate.yaml:1: file not found");
        assertThat(live.get().version()).isEqualTo(1);
    }

    @Test
    void settingsOtherThanPolicyAreReportedAsNeedingARestartAndNotApplied() throws Exception {
        LivePolicy live = start(A);
        Files.writeString(dir.resolve("waygate.yaml"), "version: 1\nlisten: 127.0.0.1:9\nnaming: { page_size: 5 }\n" + B);
        ReloadResult r = live.reload("test");
        assertThat(r.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
        assertThat(r.restartNeeded()).containsExactly("listen", "naming");
        assertThat(r.summary()).contains("listen, naming need a restart (not applied)");
        // Compared with what the process started with, not with the last reload: still reported next time.
        assertThat(live.reload("test").restartNeeded()).containsExactly("listen", "naming");
    }

    @Test
    void concurrentReloadsAreSerialized() throws Exception {
        LivePolicy live = start(A);
        write(B);
        int n = 16;
        CountDownLatch go = new CountDownLatch(1);
        List<ReloadResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    results.add(live.reload("t"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        // Unserialized, two reloads could both see version 1 in force and both apply: 2 twice, or 3.
        assertThat(results).hasSize(n);
        assertThat(results.stream().filter(ReloadResult::applied)).hasSize(1);
        assertThat(results).allSatisfy(r -> assertThat(r.inForce().version()).isEqualTo(2));
        assertThat(live.get().version()).isEqualTo(2);
    }

    /**
     * A reload landing between the policy stage and the rate limiter, every time: the call stays
     * with the version that allowed it. Reading the limits afresh would apply B's one-call limit of
     * its rule rA to calls A's rule rA allowed, and the second such call would be rate limited.
     */
    @Test
    void aReloadBetweenStagesDoesNotChangeTheVersionACallIsJudgedBy() throws Exception {
        LivePolicy live = start(A);
        List<Stage> after = Gateway.afterRoute(live, new dev.waygate.audit.AuditLog() {
            @Override
            public void record(dev.waygate.audit.AuditEvent event) {}

            @Override
            public java.util.Optional<String> unavailable() {
                return java.util.Optional.empty();
            }
        }, dev.waygate.approval.ApprovalStage.unavailable(dev.waygate.config.ApprovalsConfig.DEFAULTS));
        Stage flipToB = (call, chain) -> {
            rewrite(B);
            assertThat(live.reload("test").applied()).isTrue();
            return chain.proceed(call);
        };
        List<Long> judgedBy = new ArrayList<>();
        Stage upstream = (call, chain) -> {
            judgedBy.add(call.fact(PolicyStage.SNAPSHOT).orElseThrow().version());
            return Json.object().put("ok", true);
        };
        Pipeline p = new Pipeline(List.of(after.get(0), flipToB, after.get(1), upstream));

        for (int i = 0; i < 3; i++) {
            rewrite(A);
            live.reload("test");
            long version = live.get().version();
            assertThat(p.execute(call()).path("ok").asBoolean()).as("call %d", i).isTrue();
            assertThat(judgedBy.getLast()).isEqualTo(version);
            assertThat(live.get().version()).isEqualTo(version + 1);
        }
    }

    private void rewrite(String body) {
        try {
            write(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Call call() {
        return new Call(CallKind.TOOL, "s__x", Json.object().put("name", "s__x"),
                Optional.of(new Principal("alice", Set.of(), "k")), new NoScope(), Optional.of(new Call.Route("s", "x")),
                Map.of());
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
