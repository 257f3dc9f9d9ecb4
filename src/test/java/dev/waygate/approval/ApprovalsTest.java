package dev.waygate.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.audit.AuditUnavailableException;
import dev.waygate.config.ApprovalsConfig;
import dev.waygate.mcp.Json;
import dev.waygate.policy.Risk;
import dev.waygate.policy.RuleApproval;
import dev.waygate.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who may decide, when an approval ends, and that every change is audited first; on a real SQLite database. */
class ApprovalsTest {
    /** Records events; can be made to fail like a full disk. */
    static final class Recorder implements AuditLog {
        final List<AuditEvent> events = new ArrayList<>();
        boolean broken;

        @Override
        public void record(AuditEvent e) {
            if (broken) {
                throw new AuditUnavailableException("disk full");
            }
            events.add(e);
        }

        @Override
        public Optional<String> unavailable() {
            return broken ? Optional.of("disk full") : Optional.empty();
        }

        List<String> actions() {
            return events.stream().map(e -> e.action() + ":" + e.reason()).toList();
        }
    }

    Path dir;
    Database db;
    Recorder audit = new Recorder();
    Approvals approvals;

    @BeforeEach
    void open() throws Exception {
        dir = Files.createTempDirectory("approvals-test");
        db = Database.open(dir.resolve("data"));
        approvals = Approvals.open(ApprovalsConfig.DEFAULTS, db, audit);
    }

    @AfterEach
    void close() {
        db.close();
    }

    Approval submit(int approvers) {
        return approvals.submit(new Approvals.Request("agent", "github__delete_branch", "github", "deletes", Risk.HIGH,
                Json.object().put("branch", "main"), Json.MAPPER.createArrayNode(),
                new RuleApproval(Set.of("approver"), approvers, false), "s1"));
    }

    @Test
    void theRequesterCanNeverApproveItsOwnCallWhateverItsRoles() {
        Approval a = submit(1);
        assertThatThrownBy(() -> approvals.decide(a.id(), "agent", Set.of("approver", "admin"), true, "", Optional.empty()))
                .isInstanceOf(DecisionException.class).hasMessageContaining("cannot decide its own call");
        assertThat(approvals.get(a.id()).orElseThrow().pending()).isTrue();
        assertThat(audit.actions()).contains("approval.decision_refused:self_approval");
    }

    @Test
    void onlyTheRulesApproverRolesDecide() {
        Approval a = submit(1);
        assertThatThrownBy(() -> approvals.decide(a.id(), "eve", Set.of("dev", "admin"), true, "", Optional.empty()))
                .isInstanceOf(DecisionException.class).extracting(e -> ((DecisionException) e).code()).isEqualTo("not_an_approver");
        Approval done = approvals.decide(a.id(), "alice", Set.of("approver"), true, "fine", Optional.empty());
        assertThat(done.state()).isEqualTo(Approval.State.APPROVED);
        assertThat(approvals.future(a.id())).isNotNull();
        assertThat(audit.actions()).contains("approval.requested:approval_requested", "approval.approve:approved");
    }

    @Test
    void twoApproversMustBeDistinctAndOneDenyEndsIt() {
        Approval a = submit(2);
        var waiting = approvals.future(a.id());
        assertThat(approvals.decide(a.id(), "alice", Set.of("approver"), true, "", Optional.empty()).state())
                .isEqualTo(Approval.State.PENDING);
        assertThatThrownBy(() -> approvals.decide(a.id(), "alice", Set.of("approver"), true, "", Optional.empty()))
                .extracting(e -> ((DecisionException) e).code()).isEqualTo("already_voted");
        assertThat(waiting).isNotDone();
        Approval denied = approvals.decide(a.id(), "bob", Set.of("approver"), false, "no", Optional.empty());
        assertThat(denied.state()).isEqualTo(Approval.State.DENIED);
        assertThat(waiting.join().state()).isEqualTo(Approval.State.DENIED);
        assertThatThrownBy(() -> approvals.decide(a.id(), "carol", Set.of("approver"), true, "", Optional.empty()))
                .extracting(e -> ((DecisionException) e).status()).isEqualTo(409);
    }

    @Test
    void aDecisionThatCannotBeAuditedDoesNotTakeEffect() {
        Approval a = submit(1);
        audit.broken = true;
        assertThatThrownBy(() -> approvals.decide(a.id(), "alice", Set.of("approver"), true, "", Optional.empty()))
                .isInstanceOf(AuditUnavailableException.class);
        assertThat(approvals.get(a.id()).orElseThrow().pending()).isTrue();
        assertThat(approvals.future(a.id())).isNotDone();
    }

    @Test
    void anEndedApprovalStaysEndedAndADecisionJustBeforeTheEndWins() {
        Approval a = submit(1);
        assertThat(approvals.end(a.id(), Approval.State.EXPIRED, "timeout").state()).isEqualTo(Approval.State.EXPIRED);
        assertThatThrownBy(() -> approvals.decide(a.id(), "alice", Set.of("approver"), true, "", Optional.empty()))
                .extracting(e -> ((DecisionException) e).code()).isEqualTo("not_pending");
        Approval b = submit(1);
        approvals.decide(b.id(), "alice", Set.of("approver"), true, "", Optional.empty());
        assertThat(approvals.end(b.id(), Approval.State.CANCELLED, "client_cancelled").state()).isEqualTo(Approval.State.APPROVED);
    }

    @Test
    void pendingApprovalsExpireWhenTheStoreIsReopenedBecauseTheirClientsAreGone() {
        Approval a = submit(1);
        Recorder second = new Recorder();
        Approvals.open(ApprovalsConfig.DEFAULTS, db, second);
        Approval after = approvals.get(a.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(Approval.State.EXPIRED);
        assertThat(after.reason()).isEqualTo("client_gone");
        assertThat(after.arguments().path("branch").asText()).isEqualTo("main");
        assertThat(second.actions()).containsExactly("approval.end:client_gone");
    }

    @Test
    void similarCallsAreApprovedForABoundedTimeOnlyForTheSameShape() {
        Approval a = submit(1);
        approvals.rememberShape(a.id(), ArgumentShape.of(Json.object().put("branch", "main")));
        assertThatThrownBy(() -> approvals.decide(a.id(), "alice", Set.of("approver"), true, "", Optional.of(Duration.ofHours(2))))
                .extracting(e -> ((DecisionException) e).status()).isEqualTo(400);
        approvals.decide(a.id(), "alice", Set.of("approver"), true, "", Optional.of(Duration.ofMinutes(10)));
        String same = ArgumentShape.of(Json.object().put("branch", "dev"));
        String other = ArgumentShape.of(Json.object().put("branch", "dev").put("force", true));
        assertThat(approvals.similarGrant("agent", "github__delete_branch", same)).contains(a.id());
        assertThat(approvals.similarGrant("agent", "github__delete_branch", other)).isEmpty();
        assertThat(approvals.similarGrant("other", "github__delete_branch", same)).isEmpty();
        assertThat(approvals.similarGrant("agent", "github__delete_repo", same)).isEmpty();
        assertThat(audit.actions()).contains("approval.similar_granted:similar_granted");
    }

    @Test
    void zeroMinutesOfSimilarGrantsNothing() {
        Approvals clocked = new Approvals(ApprovalsConfig.DEFAULTS, new ApprovalStore(db), audit,
                Clock.offset(Clock.systemUTC(), Duration.ZERO));
        Approval a = clocked.submit(new Approvals.Request("agent", "t", "s", "r", Risk.HIGH, Json.object(),
                Json.MAPPER.createArrayNode(), RuleApproval.DEFAULT, "s1"));
        clocked.rememberShape(a.id(), "{}");
        clocked.decide(a.id(), "alice", Set.of("approver"), true, "", Optional.of(Duration.ZERO));
        assertThat(clocked.similarGrant("agent", "t", "{}")).as("zero minutes grants nothing").isEmpty();
    }
}
