package dev.waygate.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.Redactor;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Fact;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.policy.PolicyStage;
import dev.waygate.policy.Rule;
import dev.waygate.policy.RuleApproval;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The approval gate, after the rate limiter. For a call whose policy decision carries a risk that
 * needs a person ({@code high}, and {@code medium} with {@code approvals.medium_risk}), in order:
 * <ol>
 *   <li>a grant from "approve similar" (same principal, tool and argument shape) lets it pass, audited;</li>
 *   <li>with the rule's {@code ask_user}, the calling user is asked through MCP elicitation; a
 *       decline refuses the call; a client without elicitation cannot be asked, so a rule with no
 *       approvers refuses it (fail closed) and one with approvers goes on to them;</li>
 *   <li>a pending approval is stored and announced; the call waits, sending
 *       {@code notifications/progress} if its client gave a progress token, until approved (it
 *       proceeds), denied ({@link ErrorCodes#APPROVAL_DENIED}), expired
 *       ({@link ErrorCodes#APPROVAL_EXPIRED}) or cancelled by the client.</li>
 * </ol>
 * Low risk passes untouched. A call without the policy stage's decision is a wiring mistake and is
 * refused.
 *
 * <p>A 2026-07-28 client (multi-round-trip requests) is not held: step 3 answers at once with an
 * {@code input_required} result whose {@code requestState} is sealed (purpose {@code approval},
 * bound to the principal, with an expiry; it names the approval, the method and target, and a
 * digest of the arguments). The client retries with it; while the approval is pending, the retry
 * waits up to {@code approvals.retry_wait} for the decision and is answered {@code input_required}
 * again; once approved, the first retry takes the approval (compare and set in the store, so the call
 * runs exactly once, at whichever instance) and proceeds; denied, expired or cancelled give the same
 * errors as above. Nothing is held per client, so any instance that shares the sealing key and the
 * approval store serves the retry (decision 0025).
 */
public final class ApprovalStage implements Stage {
    /** How the gate's own {@code requestState} starts (ahead of the sealed blob), telling it from an upstream's. */
    public static final String STATE_PREFIX = "ap.";
    static final String PURPOSE = "approval";
    private final Approvals approvals;
    private final Redactor redactor;
    private final dev.waygate.seal.Sealer sealer;

    /** What the guards found in the call's arguments (report mode let it through): detector, path, reason, never a value. */
    private static com.fasterxml.jackson.databind.node.ArrayNode findings(Call call) {
        var out = Json.MAPPER.createArrayNode();
        call.fact(dev.waygate.guard.GuardStage.FINDINGS).ifPresent(f -> f.findings().forEach(x -> out.add(x.toJson())));
        return out;
    }

    /** Without a sealer: every client waits (the multi-round-trip form is off). */
    public ApprovalStage(Approvals approvals, Redactor redactor) {
        this(approvals, redactor, null);
    }

    /** @param sealer seals the {@code requestState} of multi-round-trip clients; null: they wait like any other */
    public ApprovalStage(Approvals approvals, Redactor redactor, dev.waygate.seal.Sealer sealer) {
        this.approvals = approvals;
        this.redactor = redactor;
        this.sealer = sealer;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        PolicyDecision d = call.fact(PolicyStage.DECISION)
                .orElseThrow(() -> new IllegalStateException("the approval gate needs the policy decision on the call"));
        String presented = call.params().path("requestState").asText("");
        if (presented.startsWith(STATE_PREFIX)) {
            ObjectNode stripped = call.params().deepCopy();
            stripped.remove("requestState");
            stripped.remove("inputResponses");
            return retried(call.withParams(stripped), chain, d, presented);
        }
        if (!approvals.needsApproval(d.risk())) {
            return chain.proceed(call);
        }
        if (call.scope().approvalGrant().filter(g -> granted(call, g)).isPresent()) {
            return chain.proceed(call); // an approved call continuing after its upstream asked the client for input
        }
        RuleApproval settings = settings(call, d);
        String principal = call.principal().orElseThrow().name();
        JsonNode args = call.params().path("arguments");
        String shape = ArgumentShape.of(args);
        Optional<String> grant = approvals.similarGrant(principal, call.name(), shape);
        if (grant.isPresent()) {
            approvals.similarUsed(principal, call.name(), grant.get());
            return chain.proceed(call);
        }
        if (settings.askUser()) {
            boolean asked = UserConfirmation.ask(call, d.rule());
            if (!asked && settings.approvers() == 0) {
                throw refused(ErrorCodes.APPROVAL_DENIED, "approval_unavailable",
                        "rule '" + d.rule() + "' needs the calling user's confirmation, and this client cannot be asked "
                                + "(no elicitation capability)", Optional.empty());
            }
            if (settings.approvers() == 0) {
                return chain.proceed(call);
            }
        }
        boolean retried = sealer != null && call.scope().relaysInputRequests();
        Approval a = approvals.submit(new Approvals.Request(principal, call.name(),
                call.route().map(Call.Route::server).orElse(""), d.rule(), d.risk(), redactor.summary(args),
                findings(call), settings,
                call.scope().sessionId()), retried);
        approvals.rememberShape(a.id(), shape);
        if (retried) {
            return inputRequired(call, a);
        }
        call.scope().onCancel(() -> approvals.end(a.id(), Approval.State.CANCELLED, "client_cancelled"));
        Approval done = await(call, a);
        if (done.state() == Approval.State.APPROVED) {
            return chain.proceed(call);
        }
        throw ended(done);
    }

    /** The answer to a multi-round-trip client while its approval is pending: retry with this state. */
    private JsonNode inputRequired(Call call, Approval a) {
        ObjectNode state = Json.object().put("a", a.id()).put("m", call.kind().method()).put("t", call.name())
                .put("d", digest(call));
        java.time.Duration ttl = java.time.Duration.between(Instant.now(), a.expiresAt())
                .plus(approvals.config().retryWait()).plusMinutes(1);
        String sealed = sealer.seal(PURPOSE, a.principal(), ttl, Json.write(state).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return inputRequired(STATE_PREFIX + sealed);
    }

    private static JsonNode inputRequired(String requestState) {
        throw new dev.waygate.pipeline.InputRequired(
                Json.object().put("resultType", "input_required").put("requestState", requestState), "approval_pending");
    }

    /**
     * A retry presenting the gate's state. In order: it must open (our key, this principal, not
     * expired) and name this method, target and arguments (REQUEST_STATE_REFUSED otherwise); the
     * approval must be in this gateway's store (CONTINUATION_NOT_HERE otherwise); then as its state says.
     */
    private JsonNode retried(Call call, Chain chain, PolicyDecision d, String presented) {
        String principal = call.principal().orElseThrow().name();
        if (sealer == null || !call.scope().relaysInputRequests()) {
            throw stateRefused("approval state is for the retries of 2026-07-28 clients");
        }
        JsonNode state;
        try {
            state = Json.parse(sealer.open(PURPOSE, principal, presented.substring(STATE_PREFIX.length())));
        } catch (dev.waygate.seal.SealException e) {
            throw stateRefused(e.getMessage());
        } catch (java.io.IOException e) {
            throw stateRefused("unreadable");
        }
        if (!call.kind().method().equals(state.path("m").asText()) || !call.name().equals(state.path("t").asText())) {
            throw stateRefused("it belongs to another request");
        }
        if (!digest(call).equals(state.path("d").asText())) {
            throw stateRefused("the arguments differ from those of the call awaiting approval");
        }
        if (!approvals.needsApproval(d.risk())) {
            return chain.proceed(call); // the policy no longer asks for an approval
        }
        String id = state.path("a").asText();
        Approval a = approvals.get(id).orElseThrow(() -> new McpException(ErrorCodes.CONTINUATION_NOT_HERE,
                "approval " + id + " is not in this gateway's approval store: instances that serve the same clients "
                        + "need a shared approvals store (approvals.store)"));
        if (!a.principal().equals(principal) || !a.tool().equals(call.name())) {
            throw stateRefused("it belongs to another request");
        }
        if (a.pending()) {
            try {
                a = approvals.awaitDecision(id, approvals.config().retryWait());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new McpException(ErrorCodes.SHUTTING_DOWN, "the gateway is shutting down");
            }
        }
        if (a.pending()) {
            return inputRequired(presented); // still undecided: the same state stays valid
        }
        if (a.state() != Approval.State.APPROVED) {
            throw ended(a);
        }
        if (!approvals.redeem(a, principal)) {
            throw stateRefused("approval " + id + " has been used: the approved call ran once");
        }
        call.scope().approvalGrant(id + " " + digest(call));
        return chain.proceed(call);
    }

    /** Whether a grant carried across an upstream's input rounds is for this call and still says approved. */
    private boolean granted(Call call, String grant) {
        String[] g = grant.split(" ", 2);
        return g.length == 2 && g[1].equals(digest(call)) && approvals.get(g[0])
                .filter(a -> a.state() == Approval.State.APPROVED && a.tool().equals(call.name())
                        && a.principal().equals(call.principal().orElseThrow().name()))
                .isPresent();
    }

    /** SHA-256 of the canonical arguments (a resource read has none): the call an approval is for. */
    static String digest(Call call) {
        JsonNode args = call.params().path("arguments");
        byte[] canonical = dev.waygate.audit.Canonical.sorted(args.isMissingNode() ? com.fasterxml.jackson.databind.node.NullNode.instance : args);
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(canonical);
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 18));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static McpException stateRefused(String why) {
        return new McpException(ErrorCodes.REQUEST_STATE_REFUSED, "requestState refused: " + why);
    }

    /** The refusal for an approval that ended without approving. */
    private static DeniedException ended(Approval done) {
        Approval a = done;
        return switch (done.state()) {
            case DENIED -> refused(ErrorCodes.APPROVAL_DENIED, "approval_denied", "approval " + a.id() + " was denied"
                    + done.votes().stream().filter(v -> !v.approve()).findFirst()
                            .map(v -> " by " + v.approver() + (v.comment().isEmpty() ? "" : ": " + v.comment())).orElse(""),
                    Optional.of(a.id()));
            case CANCELLED -> refused(ErrorCodes.APPROVAL_CANCELLED, "approval_cancelled",
                    "approval " + a.id() + " was cancelled (" + done.reason() + ")", Optional.of(a.id()));
            default -> refused(ErrorCodes.APPROVAL_EXPIRED, "approval_expired",
                    "approval " + a.id() + " expired: nobody decided by " + done.expiresAt(), Optional.of(a.id()));
        };
    }

    /**
     * For a front with no way for approvers to reach this process (stdio): every call that needs an
     * approval is refused, saying why (fail closed), instead of passing unapproved.
     */
    public static Stage unavailable(dev.waygate.config.ApprovalsConfig config) {
        return (call, chain) -> {
            Optional<PolicyDecision> d = call.fact(PolicyStage.DECISION);
            boolean needs = d.isEmpty() || d.get().risk() == dev.waygate.policy.Risk.HIGH
                    || (d.get().risk() == dev.waygate.policy.Risk.MEDIUM && config.mediumRisk());
            if (needs) {
                throw refused(ErrorCodes.APPROVAL_DENIED, "approval_unavailable", "rule '"
                        + d.map(PolicyDecision::rule).orElse("?") + "' needs an approval, and approvals are served "
                        + "only by 'waygate serve'", Optional.empty());
            }
            return chain.proceed(call);
        };
    }

    /** Blocks until the approval ends; expires it at its deadline. Sends progress while it waits. */
    private Approval await(Call call, Approval a) {
        CompletableFuture<Approval> f = approvals.future(a.id());
        Optional<JsonNode> token = Optional.ofNullable(call.params().path("_meta").get("progressToken"));
        long tickMillis = Math.max(100, approvals.config().progressInterval().toMillis());
        int ticks = 0;
        try {
            while (true) {
                long left = a.expiresAt().toEpochMilli() - Instant.now().toEpochMilli();
                if (left <= 0) {
                    return approvals.end(a.id(), Approval.State.EXPIRED, "timeout");
                }
                try {
                    return f.get(Math.min(left, tickMillis), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (approvals.get(a.id()).filter(x -> !x.pending()).isPresent()) {
                        return approvals.end(a.id(), Approval.State.EXPIRED, "timeout"); // decided at another instance sharing the store
                    }
                    if (token.isPresent()) {
                        ObjectNode p = Json.object().put("progress", ++ticks).put("message",
                                "waiting for approval " + a.id() + " (expires " + a.expiresAt() + ")");
                        p.set("progressToken", token.get());
                        call.scope().channel().send(JsonRpc.notification("notifications/progress", p));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            approvals.end(a.id(), Approval.State.CANCELLED, "shutting_down");
            throw new McpException(ErrorCodes.SHUTTING_DOWN, "the gateway is shutting down");
        } catch (ExecutionException e) {
            throw new IllegalStateException("approval wait failed", e.getCause());
        }
    }

    /** The allowing rule's approval settings, from the snapshot that decided the call. */
    private static RuleApproval settings(Call call, PolicyDecision d) {
        return call.fact(PolicyStage.SNAPSHOT).map(PolicySnapshot::policy).stream()
                .flatMap(p -> p.rules().stream()).filter(r -> r.name().equals(d.rule())).findFirst()
                .map(Rule::approval).orElse(RuleApproval.DEFAULT);
    }

    private static DeniedException refused(int code, String reason, String message, Optional<String> id) {
        DeniedException e = new DeniedException(code, new Decision(false, reason, "", false), message);
        id.ifPresent(i -> e.data().ifPresent(data -> ((ObjectNode) data).put("approval_id", i)));
        return e;
    }
}
