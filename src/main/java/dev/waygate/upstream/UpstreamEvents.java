package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.pipeline.Call;
import java.util.Optional;

/** What an upstream tells the rest of the gateway. Implemented by the router. */
public interface UpstreamEvents {
    /** The upstream finished its handshake (first start or a restart): re-read its lists. */
    void ready(Upstream upstream);

    /** The upstream's connection ended; it will be restarted. */
    void down(Upstream upstream, String reason);

    /** A sandboxed server exceeded a limit and was killed (before {@link #down}); it is audited. */
    default void limitExceeded(Upstream upstream, dev.waygate.sandbox.LimitBreach breach) {}

    /** A {@code notifications/*\/list_changed} (the method says which list). */
    void listChanged(Upstream upstream, String method);

    /**
     * A notification for clients, with the client scope it belongs to when that is known (the
     * gateway never guesses: unattributable notifications are not sent to any client).
     */
    void notification(Upstream upstream, ObjectNode notification, Optional<Call.Scope> scope);

    /**
     * Answers a server-to-client request (sampling, elicitation, roots). Called on its own virtual
     * thread; returns the result, or throws an McpException that becomes the error reply.
     */
    JsonNode serverRequest(Upstream upstream, String method, ObjectNode params, Optional<Call.Scope> scope);
}
