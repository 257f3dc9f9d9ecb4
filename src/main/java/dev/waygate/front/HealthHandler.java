package dev.waygate.front;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import dev.waygate.router.Router;
import dev.waygate.upstream.Upstream;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code /health}: the process answers. {@code /ready}: every required upstream finished its handshake (else 503, naming those that did not, and why). */
final class HealthHandler {
    private final Router router;

    HealthHandler(Router router) {
        this.router = router;
    }

    void health(Response response, Callback callback) {
        Http.json(response, callback, 200, Json.object().put("status", "ok"));
    }

    void ready(Response response, Callback callback) {
        ObjectNode body = Json.object();
        ArrayNode waiting = Json.MAPPER.createArrayNode();
        for (Upstream u : router.upstreams()) {
            if (u.config().required() && u.state() != Upstream.State.READY) {
                ObjectNode w = waiting.addObject().put("server", u.name()).put("state", u.state().name().toLowerCase());
                if (!u.lastError().isEmpty()) {
                    w.put("error", u.lastError());
                }
            }
        }
        body.put("ready", waiting.isEmpty());
        body.set("waiting", waiting);
        Http.json(response, callback, waiting.isEmpty() ? 200 : 503, body);
    }
}
