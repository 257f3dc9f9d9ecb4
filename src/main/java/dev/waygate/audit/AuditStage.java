package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.McpException;
import dev.waygate.metrics.CallMetrics;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Refusal;
import dev.waygate.pipeline.Stage;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The first stage: every call's outcome goes to the audit log, and the call is answered only once
 * its entry is durable. In order:
 * <ol>
 *   <li>if the journal cannot be written, the call is refused before anything runs
 *       ({@code audit_unavailable}): the gateway does nothing it cannot record;</li>
 *   <li>the rest of the pipeline runs;</li>
 *   <li>its outcome is recorded — allowed (upstream status {@code ok} or {@code tool_error} when the
 *       result has {@code isError}), denied (a {@link Refusal}: its reason code), or error (any other
 *       {@link McpException}: a reason from its code) — with the duration;</li>
 *   <li>if that record fails, the client gets {@code audit_unavailable} instead of the answer.</li>
 * </ol>
 * Each outcome is also counted for {@code /metrics} ({@link CallMetrics}), with a label from a fixed
 * set: the upstream status of an allowed call, the gateway's reason code of a denied or failed one.
 */
public final class AuditStage implements Stage {
    private final AuditLog log;
    private final Redactor redactor;
    private final CallMetrics metrics;

    public AuditStage(AuditLog log, Redactor redactor) {
        this(log, redactor, CallMetrics.NONE);
    }

    public AuditStage(AuditLog log, Redactor redactor, CallMetrics metrics) {
        this.log = log;
        this.redactor = redactor;
        this.metrics = metrics;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        long start = System.nanoTime();
        String unavailable = log.unavailable().orElse(null);
        if (unavailable != null) {
            throw refused(call, start, unavailable);
        }
        JsonNode result;
        try {
            result = chain.proceed(call);
        } catch (McpException e) {
            record(call, start, e);
            throw e;
        }
        String status = result.path("isError").asBoolean(false) ? "tool_error"
                : result.path("resultType").asText().equals("input_required") ? "input_required" : "ok";
        record(call, start, event(call, start, AuditEvent.Outcome.ALLOW, "", status), status);
        return result;
    }

    private void record(Call call, long start, McpException e) {
        if (e instanceof dev.waygate.pipeline.InputRequired ir) {
            record(call, start, event(call, start, AuditEvent.Outcome.DENY, ir.reason(), "input_required"), ir.reason()); // not run (yet)
        } else if (e instanceof Refusal r) {
            record(call, start, event(call, start, AuditEvent.Outcome.DENY, r.decision().reasonCode(), ""), r.decision().reasonCode());
        } else {
            // the journal keeps a reason the error carries; the metric only the fixed code (an upstream may have written the other)
            String reason = e.data().map(d -> d.path("reason").asText("")).filter(s -> !s.isEmpty()).orElse(reason(e.code()));
            record(call, start, event(call, start, AuditEvent.Outcome.ERROR, reason, String.valueOf(e.code())), reason(e.code()));
        }
    }

    /** Records the entry, then counts the call under {@code result} (or as refused when the entry could not be written). */
    private void record(Call call, long start, AuditEvent event, String result) {
        try {
            log.record(event);
        } catch (AuditUnavailableException u) {
            throw refused(call, start, u.getMessage());
        }
        metrics.observe(call.kind().method(), event.decision().wire(), result, System.nanoTime() - start);
    }

    private AuditEvent event(Call call, long start, AuditEvent.Outcome outcome, String reason, String upstreamStatus) {
        JsonNode args = call.kind() == CallKind.RESOURCE ? null : call.params().get("arguments");
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""),
                call.principal().map(Principal::name).orElse(""), call.kind().method(), Redactor.text(call.name()),
                outcome, reason, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), upstreamStatus,
                redactor.summary(args));
    }

    /** The refusal when the journal cannot be written, counted as such. */
    private DeniedException refused(Call call, long start, String why) {
        metrics.observe(call.kind().method(), AuditEvent.Outcome.DENY.wire(), AuditUnavailableException.REASON, System.nanoTime() - start);
        return refused(why);
    }

    static DeniedException refused(String why) {
        return new DeniedException(Decision.deny(AuditUnavailableException.REASON),
                "the audit log cannot be written, so the gateway refuses calls until it can (" + why + ")");
    }

    /** A stable reason code for an error without one. */
    static String reason(int code) {
        return switch (code) {
            case ErrorCodes.INVALID_PARAMS -> "invalid_params";
            case ErrorCodes.INTERNAL_ERROR -> "internal_error";
            case ErrorCodes.METHOD_NOT_FOUND -> "method_not_found";
            case ErrorCodes.RESOURCE_NOT_FOUND -> "resource_not_found";
            case ErrorCodes.UPSTREAM_TIMEOUT -> "upstream_timeout";
            case ErrorCodes.UPSTREAM_UNAVAILABLE -> "upstream_unavailable";
            case ErrorCodes.UPSTREAM_FAILURE -> "upstream_failure";
            case ErrorCodes.SHUTTING_DOWN -> "shutting_down";
            default -> "upstream_error";
        };
    }
}
