package dev.waygate.front;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditUnavailableException;
import dev.waygate.mcp.Json;
import dev.waygate.router.Router;
import dev.waygate.upstream.Upstream;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /health}: the process answers. {@code /ready}: every required upstream finished its handshake
 * and its lists were read once, and the audit journal can be written (else 503, naming what is not ready, and why).
 */
final class HealthHandler {
    private final Router router;
    private final Supplier<Optional<String>> auditProblem;

    HealthHandler(Router router, Supplier<Optional<String>> auditProblem) {
        this.router = router;
        this.auditProblem = auditProblem;
    }

    void health(Response response, Callback callback) {
        Http.json(response, callback, 200, Json.object().put("status", "ok"));
    }

    void ready(Response response, Callback callback) {
        ObjectNode body = Json.object();
        ArrayNode waiting = Json.MAPPER.createArrayNode();
        for (Upstream u : router.upstreams()) {
            // Ready means callable: the handshake is done and the lists have been read once, so a
            // client that starts when /ready says so finds the server's tools.
            boolean listing = u.state() == Upstream.State.READY && !router.listed(u.name());
            if (u.config().required() && (u.state() != Upstream.State.READY || listing)) {
                ObjectNode w = waiting.addObject().put("server", u.name())
                        .put("state", listing ? "listing" : u.state().name().toLowerCase());
                if (!u.lastError().isEmpty()) {
                    w.put("error", u.lastError());
                }
            }
        }
        Optional<String> audit = auditProblem.get();
        boolean ready = waiting.isEmpty() && audit.isEmpty();
        body.put("ready", ready);
        body.set("waiting", waiting);
        audit.ifPresent(a -> body.putObject("audit").put("available", false).put("reason", AuditUnavailableException.REASON)
                .put("error", a));
        Http.json(response, callback, ready ? 200 : 503, body);
    }
}
