package dev.waygate.front;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.Version;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.router.Router;
import dev.waygate.upstream.Upstream;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Read-only REST views for operators, behind the same authentication as /mcp:
 * {@code GET /mcp/status}, {@code GET /mcp/servers}, {@code GET /mcp/tools}.
 */
final class AdminHandler {
    private final Router router;
    private final HttpGuard guard;

    AdminHandler(Router router, HttpGuard guard) {
        this.router = router;
        this.guard = guard;
    }

    void handle(String path, Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        if (!request.getMethod().equals("GET")) {
            Http.error(response, callback, 405, "method_not_allowed", "use GET");
            return;
        }
        switch (path) {
            case "/mcp/status" -> Http.json(response, callback, 200, status());
            case "/mcp/servers" -> Http.json(response, callback, 200, Json.object().set("servers", servers()));
            default -> Http.json(response, callback, 200, Json.object().set("tools", router.toolSummary()));
        }
    }

    private ObjectNode status() {
        ObjectNode s = Json.object().put("version", Version.VERSION)
                .put("uptime_seconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000)
                .put("sessions", router.sessionCount())
                .put("tools", router.toolCount());
        long ready = router.upstreams().stream().filter(u -> u.state() == Upstream.State.READY).count();
        s.putObject("servers").put("total", router.upstreams().size()).put("ready", ready);
        ArrayNode problems = s.putArray("problems");
        router.catalogProblems().forEach(problems::add);
        return s;
    }

    private ArrayNode servers() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        Map<String, Long> counts = router.toolCounts();
        for (Upstream u : router.upstreams()) {
            ObjectNode o = out.addObject().put("name", u.name())
                    .put("transport", u.config().transport().name().toLowerCase())
                    .put("state", u.state().name().toLowerCase())
                    .put("required", u.config().required())
                    .put("restarts", u.restarts())
                    .put("tools", counts.getOrDefault(u.name(), 0L))
                    .put("prefix", u.config().namespace());
            if (!u.lastError().isEmpty()) {
                o.put("last_error", u.lastError());
            }
            o.put("protocol_version", u.initializeResult().path("protocolVersion").asText(""));
            o.set("server_info", u.initializeResult().path("serverInfo").deepCopy());
        }
        return out;
    }
}
