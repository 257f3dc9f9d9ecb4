package dev.waygate.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.audit.AuditUnavailableException;
import dev.waygate.audit.Correlation;
import dev.waygate.audit.Redactor;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.net.Resolver;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;
import dev.waygate.pipeline.Fact;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicyStage;
import dev.waygate.router.Router;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The guards on the way in and on the way out, after the policy and before rate limits. In order:
 * <ol>
 *   <li>the settings: the {@code guards:} section of the policy snapshot this call is judged by,
 *       with the allowing rule's {@code guards} overrides;</li>
 *   <li>arguments (tool calls and prompt gets) go through {@link ArgumentGuard}; arguments beyond
 *       the limits are refused ({@code limits}); the first finding in enforce mode refuses the call
 *       with {@link ErrorCodes#GUARD_DENIED}, naming detector and path;</li>
 *   <li>the findings are put on the call ({@link #FINDINGS}) for the approval stage, and the rest of
 *       the pipeline runs;</li>
 *   <li>the result goes through {@link ResultGuard}: redacted or stripped where enforced; a result
 *       beyond the limits is refused rather than passed on uninspected;</li>
 *   <li>if anything was found, one {@code guard.findings} audit entry (detector, path, reason, mode —
 *       never the value) with the call's correlation id; if it cannot be written, the call is refused.</li>
 * </ol>
 */
public final class GuardStage implements Stage {
    /** The findings on the arguments of a call that was let through (report mode), for approval. */
    public static final Fact<GuardFindings> FINDINGS = Fact.of("guard_findings", GuardFindings.class);
    public static final String REASON = "guard_denied";
    public static final String AUDIT_ACTION = "guard.findings";

    private final ArgumentGuard arguments;
    private final ResultGuard results = new ResultGuard();
    private final AuditLog audit;
    private final GuardSettings fallback;

    /**
     * @param resolver for SSRF checks of URL arguments
     * @param audit    where findings are recorded
     * @param fallback settings for calls that carry no policy snapshot (tests, tools)
     */
    public GuardStage(Resolver resolver, AuditLog audit, GuardSettings fallback) {
        this.arguments = new ArgumentGuard(resolver);
        this.audit = audit;
        this.fallback = fallback;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        GuardSettings settings = call.fact(PolicyStage.SNAPSHOT).map(s -> s.guards()).orElse(fallback);
        String rule = call.fact(PolicyStage.DECISION).map(PolicyDecision::rule).orElse("");
        Map<Check, Mode> modes = settings.modesFor(rule);
        List<Finding> found = new ArrayList<>();
        if (call.kind() != CallKind.RESOURCE) {
            JsonNode schema = call.fact(Router.TOOL).map(t -> t.path("inputSchema")).orElse(MissingNode.getInstance());
            try {
                found.addAll(arguments.inspect(call.name(), call.params().get("arguments"), schema, settings, modes));
            } catch (LimitExceededException e) {
                throw deny(call, rule, found, new Finding(Check.LIMITS.code(), e.path(), "arguments with " + e.getMessage(), Mode.ENFORCE));
            }
            for (Finding f : found) {
                if (f.mode() == Mode.ENFORCE) {
                    throw deny(call, rule, found, f);
                }
            }
        }
        JsonNode result = chain.proceed(found.isEmpty() ? call : call.with(FINDINGS, new GuardFindings(found)));
        ResultGuard.Outcome out;
        try {
            out = results.inspect(result, modes);
        } catch (LimitExceededException e) {
            throw deny(call, rule, found, new Finding(Check.LIMITS.code(), e.path(), e.getMessage() + " cannot be inspected",
                    Mode.ENFORCE));
        }
        found.addAll(out.findings());
        if (!found.isEmpty()) {
            record(call, found.stream().anyMatch(f -> f.mode() == Mode.ENFORCE) ? "guard_redacted" : "guard_reported", found);
        }
        return out.result();
    }

    private DeniedException deny(Call call, String rule, List<Finding> found, Finding decisive) {
        List<Finding> all = new ArrayList<>(found);
        if (!all.contains(decisive)) {
            all.add(decisive);
        }
        recordQuietly(call, all);
        DeniedException e = new DeniedException(ErrorCodes.GUARD_DENIED, new Decision(false, REASON, rule, false),
                "denied by the " + decisive.detector() + " guard at " + decisive.path() + ": " + decisive.reason());
        e.data().ifPresent(d -> ((ObjectNode) d).put("detector", decisive.detector()).put("path", decisive.path()));
        return e;
    }

    /** Before a denial: the denial stands even if the findings cannot be recorded (the deny entry is written by the audit stage). */
    private void recordQuietly(Call call, List<Finding> found) {
        try {
            audit.record(event(call, AuditEvent.Outcome.DENY, REASON, found));
        } catch (AuditUnavailableException ignored) {
            // the audit stage records the denial or refuses with audit_unavailable
        }
    }

    private void record(Call call, String reason, List<Finding> found) {
        try {
            audit.record(event(call, AuditEvent.Outcome.ALLOW, reason, found));
        } catch (AuditUnavailableException u) {
            throw new DeniedException(Decision.deny(AuditUnavailableException.REASON),
                    "the audit log cannot be written, so the gateway refuses calls until it can (" + u.getMessage() + ")");
        }
    }

    private static AuditEvent event(Call call, AuditEvent.Outcome outcome, String reason, List<Finding> found) {
        ArrayNode list = Json.MAPPER.createArrayNode();
        found.forEach(f -> list.add(f.toJson()));
        return new AuditEvent(Instant.now(), Correlation.current().orElse(""), call.principal().map(Principal::name).orElse(""),
                AUDIT_ACTION, Redactor.text(call.name()), outcome, reason, 0, "", Json.object().set("findings", list));
    }
}
