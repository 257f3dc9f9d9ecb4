package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.Correlation;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.McpException;
import dev.waygate.seal.SealException;
import dev.waygate.seal.Sealer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Multi-round-trip requests (MCP 2026-07-28) for modern clients: a call whose upstream asks the
 * client for something (sampling, elicitation, roots) is answered with an
 * {@code InputRequiredResult}; the client's retry carries the answers and the sealed
 * {@code requestState}, and the call resumes where it waited.
 *
 * <p>Order on a retry: 1. the state must open (our key, this principal, not expired — else
 * REQUEST_STATE_REFUSED); 2. it must name this method and target (no reuse for another call);
 * 3. the call must be held by this instance (else CONTINUATION_NOT_HERE); 4. the state must be the
 * current round's and unused (single use, even within its expiry).
 */
final class Mrtr {
    private static final Logger LOG = LoggerFactory.getLogger(Mrtr.class);
    static final String PURPOSE = "mrtr";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Sealer sealer;
    /** Names this process in sealed state, so a retry that lands elsewhere gets an honest error. */
    private final String instance = token(9);
    private final Map<String, Continuation> held = new ConcurrentHashMap<>();

    Mrtr(Sealer sealer) {
        this.sealer = sealer;
    }

    /** Starts a modern client's call; returns its result or an InputRequiredResult. */
    JsonNode start(String method, String target, RequestScope scope, Supplier<JsonNode> work) {
        if (scope.cancelled()) {
            throw new McpException(ErrorCodes.INTERNAL_ERROR, "the request was cancelled");
        }
        Continuation c = new Continuation(token(18), scope.session().principal().name(), method, target, scope);
        scope.continuation(c);
        String correlation = Correlation.current().orElseGet(Correlation::generate);
        Thread.ofVirtual().name("mrtr-call").start(() -> Correlation.run(correlation, () -> {
            try {
                c.result.complete(work.get());
            } catch (RuntimeException e) {
                c.result.completeExceptionally(e);
            }
        }));
        return proceed(c);
    }

    /**
     * A retry: checks the state, then either hands the answers to the call waiting here, or — when
     * the input was asked by a modern upstream — runs the call again with the upstream's own state
     * and the answers (nothing is held here for it, so any instance can do this).
     *
     * @param run runs the call through the pipeline with the given (upstream-bound) params
     */
    JsonNode resume(String method, String target, ObjectNode params, RequestScope retry, Function<ObjectNode, JsonNode> run) {
        String principal = retry.session().principal().name();
        JsonNode state;
        try {
            state = Json.parse(sealer.open(PURPOSE, principal, params.path("requestState").asText(null)));
        } catch (SealException e) {
            throw new McpException(ErrorCodes.REQUEST_STATE_REFUSED, "requestState refused: " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new McpException(ErrorCodes.REQUEST_STATE_REFUSED, "requestState refused: unreadable");
        }
        if (!method.equals(state.path("m").asText()) || !target.equals(state.path("t").asText())) {
            throw new McpException(ErrorCodes.REQUEST_STATE_REFUSED, "requestState refused: it belongs to another request");
        }
        JsonNode responses0 = params.path("inputResponses");
        if (!responses0.isMissingNode() && !responses0.isObject()) {
            throw McpException.invalidParams("inputResponses must be an object");
        }
        if (state.has("u")) {
            ObjectNode forwarded = dev.waygate.mcp.ModernMeta.forwardable(params);
            if (state.get("u").isTextual()) {
                forwarded.set("requestState", state.get("u"));
            }
            if (responses0.isObject()) {
                forwarded.set("inputResponses", responses0);
            }
            if (state.path("g").isTextual()) {
                retry.approvalGrant(state.get("g").asText());
            }
            return start(method, target, retry, () -> run.apply(forwarded));
        }
        Continuation c = held.get(state.path("c").asText());
        if (c == null || !c.principal.equals(principal)) {
            throw new McpException(ErrorCodes.CONTINUATION_NOT_HERE, instance.equals(state.path("i").asText())
                    ? "the interrupted call has ended (timed out or cancelled): call again"
                    : "the interrupted call waits on another gateway instance (its upstream request is held there): "
                            + "retry against that instance, or call again");
        }
        if (!c.claim(state.path("r").asInt(-1))) {
            throw new McpException(ErrorCodes.REQUEST_STATE_REFUSED, "requestState refused: already used");
        }
        JsonNode responses = params.path("inputResponses");
        if (!responses.isMissingNode() && !responses.isObject()) {
            c.release();
            throw McpException.invalidParams("inputResponses must be an object");
        }
        c.scope.redirect(retry.channel());
        retry.onCancel(c.scope::cancel);
        c.answer(responses.isObject() ? responses : Json.object());
        return proceed(c);
    }

    private JsonNode proceed(Continuation c) {
        Continuation.Outcome o;
        try {
            o = c.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.scope.cancel();
            throw new McpException(ErrorCodes.SHUTTING_DOWN, "interrupted");
        } catch (dev.waygate.pipeline.InputRequired e) {
            held.remove(c.id);
            return e.result(); // a stage's own (the approval gate's): sealed by it, checked by it on the retry
        } catch (RuntimeException e) {
            held.remove(c.id);
            throw e;
        }
        if (o instanceof Continuation.Done d) {
            held.remove(c.id);
            if (d.result() instanceof ObjectNode up && up.path("resultType").asText().equals("input_required")) {
                return relayed(c, up);
            }
            return d.result();
        }
        held.put(c.id, c);
        ObjectNode r = Json.object().put("resultType", "input_required");
        ObjectNode requests = r.putObject("inputRequests");
        for (Continuation.Ask a : ((Continuation.NeedsInput) o).asks()) {
            requests.putObject(a.key()).put("method", a.method()).set("params", a.params());
        }
        ObjectNode state = Json.object().put("c", c.id).put("r", c.round()).put("m", c.method).put("t", c.target)
                .put("i", instance);
        r.put("requestState", sealer.seal(PURPOSE, c.principal, RequestScope.CLIENT_ANSWER_TIMEOUT,
                Json.write(state).getBytes(StandardCharsets.UTF_8)));
        c.release();
        LOG.debug("call {} waits for the client's input ({} requests)", Router.abbreviate(c.id), requests.size());
        return r;
    }

    /**
     * A modern upstream asked for input: its requests go to the client as they are, and its own
     * state travels sealed inside ours (bound to the principal and this call), so the retry can be
     * served by any instance holding the key.
     */
    private JsonNode relayed(Continuation c, ObjectNode up) {
        ObjectNode r = Json.object().put("resultType", "input_required");
        if (up.has("inputRequests")) {
            r.set("inputRequests", up.get("inputRequests"));
        }
        ObjectNode state = Json.object().put("m", c.method).put("t", c.target);
        c.scope.approvalGrant().ifPresent(g -> state.put("g", g)); // the approval this call runs under
        state.set("u", up.path("requestState").isTextual() ? up.get("requestState") : com.fasterxml.jackson.databind.node.NullNode.instance);
        r.put("requestState", sealer.seal(PURPOSE, c.principal, RequestScope.CLIENT_ANSWER_TIMEOUT,
                Json.write(state).getBytes(StandardCharsets.UTF_8)));
        return r;
    }

    /** Forgets calls nobody resumed within the answer timeout (their upstream requests time out on their own). */
    void expire() {
        long limit = RequestScope.CLIENT_ANSWER_TIMEOUT.toNanos();
        held.values().removeIf(c -> c.idleNanos() > limit && c.result.isDone());
    }

    int held() {
        return held.size();
    }

    /**
     * The session of a call waiting here for its client's input: its first request has been
     * answered, but the upstream may ask again while the call continues, and is attributed to it.
     */
    java.util.Optional<ClientSession> session(String id) {
        for (Continuation c : held.values()) {
            if (c.scope.session().id().equals(id)) {
                return java.util.Optional.of(c.scope.session());
            }
        }
        return java.util.Optional.empty();
    }

    private static String token(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
