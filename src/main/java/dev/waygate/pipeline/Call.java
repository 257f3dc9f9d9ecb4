package dev.waygate.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ClientChannel;
import java.util.Map;
import java.util.Optional;

/**
 * One call as the pipeline sees it. Immutable: a stage that changes the call passes a new one to
 * {@link Chain#proceed}.
 *
 * @param kind      tool call, prompt get or resource read
 * @param name      the name the client used (exposed tool or prompt name, or resource URI)
 * @param params    the request's params, as the client sent them
 * @param principal who is calling; empty when authentication did not establish one
 * @param scope     the client request this call serves: its channel and cancellation
 * @param route     set by the routing stage: which upstream and under which name
 * @param facts     what earlier stages established (see {@link Fact})
 */
public record Call(CallKind kind, String name, ObjectNode params, Optional<Principal> principal, Scope scope,
                   Optional<Route> route, Map<Fact<?>, Object> facts) {

    public Call {
        facts = Facts.copyOf(facts);
    }

    public Call(CallKind kind, String name, ObjectNode params, Optional<Principal> principal, Scope scope,
                Optional<Route> route) {
        this(kind, name, params, principal, scope, route, Facts.EMPTY);
    }

    /** The upstream server and the name it knows the target by. */
    public record Route(String server, String upstreamName) {}

    /** The client side of a call: where related messages go, and whether the client gave up. */
    public interface Scope {
        /** The client session; server-to-client messages are attributed by it. */
        String sessionId();

        ClientChannel channel();

        /** Registers what to do if the client cancels; runs at once if it already has. */
        void onCancel(Runnable action);

        boolean cancelled();

        /** Sends a request to the client (sampling, elicitation, roots) and waits for its answer. */
        com.fasterxml.jackson.databind.JsonNode requestClient(String method, ObjectNode params);

        /** Whether the client declared this capability at initialize (e.g. {@code sampling}). */
        boolean clientSupports(String capability);

        /**
         * Whether the client speaks multi-round-trip requests (2026-07-28): an upstream's
         * {@code input_required} result is then passed to it, instead of the gateway asking it
         * with server-initiated requests and retrying itself.
         */
        default boolean relaysInputRequests() {
            return false;
        }

        /**
         * The approval a multi-round-trip call was let through by (approval id and argument digest),
         * carried across its upstream's input rounds so that each retry does not ask again.
         */
        default java.util.Optional<String> approvalGrant() {
            return java.util.Optional.empty();
        }

        /** Records the approval this call runs under (see {@link #approvalGrant()}). */
        default void approvalGrant(String grant) {}
    }

    public Call withRoute(Route r) {
        return new Call(kind, name, params, principal, scope, Optional.of(r), facts);
    }

    public Call withParams(ObjectNode p) {
        return new Call(kind, name, p, principal, scope, route, facts);
    }

    public <T> Call with(Fact<T> fact, T value) {
        return new Call(kind, name, params, principal, scope, route, ((Facts) facts).plus(fact, value));
    }

    public <T> Optional<T> fact(Fact<T> fact) {
        Object value = facts.get(fact);
        return value == null ? Optional.empty() : Optional.of(fact.cast(value));
    }
}
