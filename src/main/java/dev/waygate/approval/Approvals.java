package dev.waygate.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.waygate.audit.AuditLog;
import dev.waygate.config.ApprovalsConfig;
import dev.waygate.policy.Risk;
import dev.waygate.policy.RuleApproval;
import dev.waygate.store.Database;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The approvals of one gateway: creates them, takes decisions, ends them, and wakes the waiting
 * call. The database row is the record; the waiting call holds a future completed on the row's
 * final state. Every state change is audited before it takes effect, so an audit log that cannot be
 * written leaves the approval as it was (and a waiting call is refused at its expiry: fail closed).
 *
 * <p>State changes happen under this object's monitor: approvals are rare and decisions are made
 * by people, so one lock costs nothing and makes "two approvers decide at once" simple to reason about.
 */
public final class Approvals {
    private static final Logger LOG = LoggerFactory.getLogger(Approvals.class);
    static final int LIST_LIMIT = 200;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApprovalsConfig config;
    private final ApprovalStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final SimilarGrants grants = new SimilarGrants();
    private final Map<String, CompletableFuture<Approval>> waiting = new ConcurrentHashMap<>();
    private final List<Consumer<Approval>> onNew = new CopyOnWriteArrayList<>();
    /**
     * Names this gateway in the rows it stores (stable across its restarts): with a store shared by
     * several instances, a restart expires only its own held calls, never another instance's.
     */
    private final String instance;

    Approvals(ApprovalsConfig config, ApprovalStore store, AuditLog audit, Clock clock) {
        this(config, store, audit, clock, "local");
    }

    Approvals(ApprovalsConfig config, ApprovalStore store, AuditLog audit, Clock clock, String instance) {
        this.config = config;
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.instance = instance;
    }

    /** The session id stored for an approval asked by a 2026-07-28 client: no session holds it, any instance may serve its retry. */
    static final String RETRY_SESSION = "mrtr:";

    /**
     * Opens the approvals in {@code db} and expires every one still pending: sessions live in
     * memory, so after a restart no client is waiting for them (each is audited with reason
     * {@code client_gone}).
     */
    public static Approvals open(ApprovalsConfig config, Database db, AuditLog audit) {
        return open(config, db, audit, "local");
    }

    /**
     * As {@link #open(ApprovalsConfig, Database, AuditLog)}, for an instance named {@code instance}
     * (stable across restarts; distinct per gateway sharing the store): only its own held calls are expired.
     */
    public static Approvals open(ApprovalsConfig config, Database db, AuditLog audit, String instance) {
        Approvals a = new Approvals(config, new ApprovalStore(db), audit, Clock.systemUTC(), instance);
        int gone = a.expireOrphans();
        if (gone > 0) {
            LOG.info("approvals: {} pending approval(s) from before the restart expired (their clients are gone)", gone);
        }
        return a;
    }

    public ApprovalsConfig config() {
        return config;
    }

    /** Whether a call allowed at this risk waits for a person. */
    public boolean needsApproval(Risk risk) {
        return risk == Risk.HIGH || (risk == Risk.MEDIUM && config.mediumRisk());
    }

    /** Called with each new approval (webhooks); must not block. */
    public void onNew(Consumer<Approval> listener) {
        onNew.add(listener);
    }

    /** What a held call is, as the stage knows it. */
    record Request(String principal, String tool, String server, String rule, Risk risk, JsonNode redactedArguments,
                   ArrayNode findings, RuleApproval settings, String sessionId) {}

    /** Stores, audits and announces a new pending approval; the caller then waits with {@link #await}. */
    Approval submit(Request r) {
        return submit(r, false);
    }

    /**
     * As {@link #submit(Request)}; {@code retried}: the client retries (2026-07-28 multi-round-trip)
     * instead of waiting, so nothing waits here and a restart does not end it (it expires at its deadline).
     */
    Approval submit(Request r, boolean retried) {
        Instant now = clock.instant();
        Approval a = new Approval("ap_" + HexFormat.of().formatHex(randomBytes()), Approval.State.PENDING, r.principal(),
                r.tool(), r.server(), r.rule(), r.risk(), r.redactedArguments(), r.findings(), r.settings().roles(),
                r.settings().approvers(), List.of(), (retried ? RETRY_SESSION : "") + instance + "/" + r.sessionId(),
                now, now.plus(config.timeout()), "");
        waiting.put(a.id(), new CompletableFuture<>());
        try {
            audit.record(ApprovalEvents.requested(a));
            store.insert(a);
        } catch (RuntimeException e) {
            waiting.remove(a.id());
            throw e;
        }
        for (Consumer<Approval> l : onNew) {
            try {
                l.accept(a);
            } catch (RuntimeException e) {
                LOG.warn("approvals: a listener failed for {}: {}", a.id(), e.toString());
            }
        }
        return a;
    }

    /** The future the waiting call blocks on; completed with the final state. */
    CompletableFuture<Approval> future(String id) {
        return waiting.getOrDefault(id, CompletableFuture.failedFuture(new IllegalStateException("not waiting: " + id)));
    }

    /**
     * One approver's decision, in this order: the approval exists and is pending; the approver is
     * not the requester (self-approval is refused whatever roles it has); the approver has one of
     * the rule's approver roles; has not voted already. A deny ends it at once; an approve ends it
     * when enough distinct approvers agree. Refusals are audited too.
     *
     * @param similar when approving: also let similar calls through for this long (at most
     *                {@code max_similar})
     */
    public synchronized Approval decide(String id, String approver, Set<String> roles, boolean approve, String comment,
                                        Optional<Duration> similar) {
        Approval a = store.get(id).orElseThrow(() -> new DecisionException(404, "not_found", "no approval " + id));
        if (approver.equals(a.principal())) {
            audit.record(ApprovalEvents.refused(approver, a, "self_approval"));
            throw new DecisionException(403, "self_approval", "the requesting principal cannot decide its own call");
        }
        if (!a.mayDecide(approver, roles)) {
            audit.record(ApprovalEvents.refused(approver, a, "not_an_approver"));
            throw new DecisionException(403, "not_an_approver", "deciding needs one of the roles " + a.approverRoles());
        }
        if (!a.pending()) {
            throw new DecisionException(409, "not_pending", "approval " + id + " is already " + a.state().wire());
        }
        if (a.votes().stream().anyMatch(v -> v.approver().equals(approver))) {
            audit.record(ApprovalEvents.refused(approver, a, "already_voted"));
            throw new DecisionException(409, "already_voted", "you already decided on " + id + "; another approver must");
        }
        if (similar.isPresent() && (similar.get().isNegative() || similar.get().compareTo(config.maxSimilar()) > 0)) {
            throw new DecisionException(400, "bad_request", "similar calls may be approved for at most "
                    + config.maxSimilar().toMinutes() + " minutes");
        }
        List<Approval.Vote> votes = new ArrayList<>(a.votes());
        votes.add(new Approval.Vote(approver, approve, comment, clock.instant()));
        Approval next;
        if (!approve) {
            next = a.with(Approval.State.DENIED, votes, "denied");
        } else if (votes.stream().filter(Approval.Vote::approve).count() >= a.required()) {
            next = a.with(Approval.State.APPROVED, votes, "approved");
        } else {
            next = a.with(Approval.State.PENDING, votes, "");
        }
        audit.record(ApprovalEvents.vote(approver, next, approve, comment));
        if (!store.update(next, Approval.State.PENDING)) {
            throw new DecisionException(409, "not_pending", "approval " + id + " was decided meanwhile");
        }
        if (approve && similar.isPresent() && !similar.get().isZero() && next.state() == Approval.State.APPROVED) {
            audit.record(ApprovalEvents.similarGranted(approver, next, similar.get().toMinutes()));
            // The shape is kept in memory with the waiting call (the stored arguments are redacted).
            String shape = shapes.get(id);
            if (shape != null) {
                grants.grant(next.principal(), next.tool(), shape, clock.instant().plus(similar.get()), id);
            }
        }
        if (!next.pending()) {
            complete(next);
        }
        return next;
    }

    private final Map<String, String> shapes = new ConcurrentHashMap<>();

    void rememberShape(String id, String shape) {
        shapes.put(id, shape);
    }

    /** A grant from "approve similar" that lets this call pass: the approval it came from. */
    Optional<String> similarGrant(String principal, String tool, String shape) {
        return grants.match(principal, tool, shape, clock.instant());
    }

    void similarUsed(String principal, String tool, String approvalId) {
        audit.record(ApprovalEvents.similarUsed(principal, tool, approvalId));
    }

    /**
     * Ends a pending approval without a decision ({@code EXPIRED} or {@code CANCELLED}), audited.
     * Returns the final state: someone may have decided just before.
     */
    synchronized Approval end(String id, Approval.State state, String reason) {
        Approval a = store.get(id).orElseThrow(() -> new IllegalStateException("no approval " + id));
        if (!a.pending()) {
            complete(a);
            return a;
        }
        Approval next = a.with(state, a.votes(), reason);
        try {
            audit.record(ApprovalEvents.ended(next));
        } catch (RuntimeException e) {
            LOG.warn("approvals: could not audit the end of {} ({}): {}", id, reason, e.getMessage());
        }
        store.update(next, Approval.State.PENDING);
        complete(next);
        return next;
    }

    private void complete(Approval a) {
        CompletableFuture<Approval> f = waiting.remove(a.id());
        shapes.remove(a.id());
        if (f != null) {
            f.complete(a);
        }
    }

    private synchronized int expireOrphans() {
        int n = 0;
        for (Approval a : store.list(true, Integer.MAX_VALUE)) {
            boolean ours = a.sessionId().startsWith(instance + "/") || !a.sessionId().contains("/");
            if (!ours) {
                continue; // retried by its client (any instance serves it), or held by another instance
            }
            Approval next = a.with(Approval.State.EXPIRED, a.votes(), "client_gone");
            audit.record(ApprovalEvents.ended(next));
            store.update(next, Approval.State.PENDING);
            n++;
        }
        return n;
    }

    /**
     * Waits up to {@code max} for a pending approval to be decided, here or at another instance
     * sharing the store (read every half second), and returns it as it then is; one past its
     * deadline is expired first (audited).
     */
    Approval awaitDecision(String id, java.time.Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            Approval a = store.get(id).orElseThrow(() -> new IllegalStateException("no approval " + id));
            if (!a.pending()) {
                return a;
            }
            if (!clock.instant().isBefore(a.expiresAt())) {
                return end(id, Approval.State.EXPIRED, "timeout");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return a;
            }
            CompletableFuture<Approval> f = waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
            try {
                f.get(Math.min(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left) + 1, 500),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // read the row again
            } finally {
                if (!f.isDone()) {
                    waiting.remove(id, f); // decided elsewhere: nothing here would complete it
                }
            }
        }
    }

    /**
     * Takes an approved call's approval for the one run it allows (compare and set on the row, so
     * exactly one retry wins, whichever instance it reaches); audited. False if it was taken already.
     */
    boolean redeem(Approval a, String principal) {
        if (!store.redeem(a.id())) {
            return false;
        }
        audit.record(ApprovalEvents.redeemed(principal, a));
        return true;
    }

    /** Expires this instance's retried approvals past their deadline that no retry came back for (housekeeping). */
    public void expireDue() {
        Instant now = clock.instant();
        for (Approval a : store.list(true, Integer.MAX_VALUE)) {
            if (a.sessionId().startsWith(RETRY_SESSION + instance + "/") && !now.isBefore(a.expiresAt())) {
                end(a.id(), Approval.State.EXPIRED, "timeout");
            }
        }
    }

    public Optional<Approval> get(String id) {
        return store.get(id);
    }

    /** Pending ones oldest first, or the most recent of any state. */
    public List<Approval> list(boolean pendingOnly) {
        return store.list(pendingOnly, LIST_LIMIT);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return b;
    }
}
