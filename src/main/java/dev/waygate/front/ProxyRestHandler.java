package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.config.GatewayConfig;
import dev.waygate.egress.Egress;
import dev.waygate.egress.Fetcher;
import dev.waygate.mcp.Json;
import dev.waygate.metrics.Metrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /metrics} (Prometheus text; admin or {@code metrics} role), {@code GET /proxy/stats}
 * (admin role) and {@code POST /proxy/request} (any principal; the egress rules decide). The
 * last two answer 404 when no {@code egress} section is configured.
 */
final class ProxyRestHandler {
    static final String METRICS_ROLE = "metrics";

    private final GatewayConfig config;
    private final HttpGuard guard;
    private final Metrics metrics;
    private final Optional<Egress> egress;

    ProxyRestHandler(GatewayConfig config, HttpGuard guard, Metrics metrics, Optional<Egress> egress) {
        this.config = config;
        this.guard = guard;
        this.metrics = metrics;
        this.egress = egress;
    }

    void handle(String path, Request request, Response response, Callback callback) {
        if (!path.equals("/metrics") && egress.isEmpty()) {
            Http.error(response, callback, 404, "not_found", "no egress proxy is configured (add an egress section)");
            return;
        }
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        var roles = principal.get().roles();
        switch (path) {
            case "/metrics" -> {
                if (!roles.contains(KeysHandler.ADMIN_ROLE) && !roles.contains(METRICS_ROLE)) {
                    Http.error(response, callback, 403, "forbidden", "metrics need the admin or metrics role");
                } else if (!request.getMethod().equals("GET")) {
                    Http.error(response, callback, 405, "method_not_allowed", "use GET");
                } else {
                    Http.send(response, callback, 200, Metrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
                }
            }
            case "/proxy/stats" -> {
                if (!roles.contains(KeysHandler.ADMIN_ROLE)) {
                    Http.error(response, callback, 403, "forbidden", "proxy statistics need the admin role");
                } else if (!request.getMethod().equals("GET")) {
                    Http.error(response, callback, 405, "method_not_allowed", "use GET");
                } else {
                    Http.json(response, callback, 200, egress.get().stats());
                }
            }
            default -> fetch(principal.get(), request, response, callback);
        }
    }

    private void fetch(Principal principal, Request request, Response response, Callback callback) {
        if (!request.getMethod().equals("POST")) {
            Http.error(response, callback, 405, "method_not_allowed", "use POST");
            return;
        }
        JsonNode spec;
        try {
            spec = Json.parse(Http.readBody(request, config.maxBodyBytes()));
        } catch (Http.TooLarge e) {
            Http.error(response, callback, 413, "too_large", e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            Http.error(response, callback, 400, "invalid_request", "the body must be a JSON object {method, url, headers, body}");
            return;
        }
        if (spec == null || !spec.isObject()) {
            Http.error(response, callback, 400, "invalid_request", "the body must be a JSON object {method, url, headers, body}");
            return;
        }
        try {
            Http.json(response, callback, 200, egress.get().fetcher().fetch(principal, spec, Request.getRemoteAddr(request)));
        } catch (Fetcher.FetchException e) {
            Http.error(response, callback, e.status(), e.code(), e.getMessage());
        }
    }
}
