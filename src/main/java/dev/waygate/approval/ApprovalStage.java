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
 */
public final class ApprovalStage implements Stage {
    private final Approvals approvals;
    private final Redactor redactor;

    /** What the guards found in the call's arguments (report mode let it through): detector, path, reason, never a value. */
    private static com.fasterxml.jackson.databind.node.ArrayNode findings(Call call) {
        var out = Json.MAPPER.createArrayNode();
        call.fact(dev.waygate.guard.GuardStage.FINDINGS).ifPresent(f -> f.findings().forEach(x -> out.add(x.toJson())));
        return out;
    }

    public ApprovalStage(Approvals approvals, Redactor redactor) {
        this.approvals = approvals;
        this.redactor = redactor;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        PolicyDecision d = call.fact(PolicyStage.DECISION)
                .orElseThrow(() -> new IllegalStateException("the approval gate needs the policy decision on the call"));
        if (!approvals.needsApproval(d.risk())) {
            return chain.proceed(call);
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
        Approval a = approvals.submit(new Approvals.Request(principal, call.name(),
                call.route().map(Call.Route::server).orElse(""), d.rule(), d.risk(), redactor.summary(args),
                findings(call), settings,
                call.scope().sessionId()));
        approvals.rememberShape(a.id(), shape);
        call.scope().onCancel(() -> approvals.end(a.id(), Approval.State.CANCELLED, "client_cancelled"));
        Approval done = await(call, a);
        return switch (done.state()) {
            case APPROVED -> chain.proceed(call);
            case DENIED -> throw refused(ErrorCodes.APPROVAL_DENIED, "approval_denied", "approval " + a.id() + " was denied"
                    + done.votes().stream().filter(v -> !v.approve()).findFirst()
                            .map(v -> " by " + v.approver() + (v.comment().isEmpty() ? "" : ": " + v.comment())).orElse(""),
                    Optional.of(a.id()));
            case CANCELLED -> throw refused(ErrorCodes.APPROVAL_CANCELLED, "approval_cancelled",
                    "approval " + a.id() + " was cancelled (" + done.reason() + ")", Optional.of(a.id()));
            default -> throw refused(ErrorCodes.APPROVAL_EXPIRED, "approval_expired",
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
