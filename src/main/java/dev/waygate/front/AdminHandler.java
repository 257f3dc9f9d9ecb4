package dev.waygate.front;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.Version;
import dev.waygate.audit.AuditIndex;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.reload.LivePolicy;
import dev.waygate.router.Router;
import dev.waygate.upstream.Upstream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Read-only REST views for operators, behind the same authentication as /mcp:
 * {@code GET /mcp/status}, {@code GET /mcp/servers}, {@code GET /mcp/tools}, {@code GET /audit}.
 */
final class AdminHandler {
    private final Router router;
    private final HttpGuard guard;
    private final AuditIndex audit;
    private final LivePolicy policy;

    AdminHandler(Router router, HttpGuard guard, AuditIndex audit, LivePolicy policy) {
        this.router = router;
        this.guard = guard;
        this.audit = audit;
        this.policy = policy;
    }

    /** Roles that may read {@code /audit}. */
    static final java.util.Set<String> AUDIT_ROLES = java.util.Set.of("admin", "auditor");

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
            case "/audit" -> {
                // Every principal's calls are in it: only those who administer or audit the gateway read it.
                if (principal.get().roles().stream().noneMatch(AUDIT_ROLES::contains)) {
                    Http.error(response, callback, 403, "forbidden", "reading the audit log needs the admin or auditor role");
                } else {
                    audit(request, response, callback);
                }
            }
            case SecurityDiagnostics.PATH -> {
                // Which servers run unconfined, and what confines the others: for administrators only.
                if (!principal.get().roles().contains("admin")) {
                    Http.error(response, callback, 403, "forbidden", "security diagnostics need the admin role");
                } else {
                    Http.json(response, callback, 200, SecurityDiagnostics.report(router.upstreams()));
                }
            }
            default -> Http.json(response, callback, 200, Json.object().set("tools", router.toolSummary()));
        }
    }

    /** {@code GET /audit?principal=&tool=&decision=&from=&to=&limit=&format=jsonl}: journal entries as written. */
    private void audit(Request request, Response response, Callback callback) {
        Fields q = Request.extractQueryParameters(request);
        AuditIndex.Query query;
        try {
            query = new AuditIndex.Query(param(q, "principal"), param(q, "tool"), param(q, "decision"),
                    param(q, "from").map(Instant::parse), param(q, "to").map(Instant::parse),
                    param(q, "limit").map(Integer::parseInt).orElse(AuditIndex.DEFAULT_LIMIT));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            Http.error(response, callback, 400, "bad_request", "bad query: " + e.getMessage()
                    + " (from/to are RFC 3339 times like 2026-01-31T12:00:00Z; limit 1.." + AuditIndex.MAX_LIMIT + ")");
            return;
        }
        List<String> lines;
        try {
            lines = audit.search(query);
        } catch (dev.waygate.audit.IndexMismatchException e) {
            // not a server bug: the journal was changed under the index; the message says what to run
            Http.error(response, callback, 503, "audit_index_mismatch", e.getMessage());
            return;
        }
        if (param(q, "format").orElse("json").equals("jsonl")) {
            StringBuilder b = new StringBuilder();
            lines.forEach(l -> b.append(l).append('\n'));
            Http.send(response, callback, 200, "application/x-ndjson", b.toString().getBytes(StandardCharsets.UTF_8));
            return;
        }
        ArrayNode entries = Json.MAPPER.createArrayNode();
        for (String l : lines) {
            try {
                entries.add(Json.parse(l));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("unreadable audit index row", e);
            }
        }
        Http.json(response, callback, 200, Json.object().put("count", entries.size()).set("entries", entries));
    }

    private static Optional<String> param(Fields q, String name) {
        String v = q.getValue(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
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
        s.set("policy", policyStatus());
        return s;
    }

    /** The version in force and how the last reload went; {@code last_reload_error} only while the last one was refused. */
    private ObjectNode policyStatus() {
        PolicySnapshot p = policy.get();
        ObjectNode o = Json.object().put("version", p.version()).put("loaded_at", p.loadedAt().toString())
                .put("rules", p.policy().rules().size()).put("digest", p.digest());
        policy.lastReload().ifPresent(r -> {
            ObjectNode last = o.putObject("last_reload").put("at", r.at().toString()).put("trigger", r.trigger())
                    .put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
            var restart = last.putArray("restart_needed");
            r.restartNeeded().forEach(restart::add);
            r.error().ifPresent(e -> o.put("last_reload_error", e));
        });
        return o;
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
            if (u.config().transport() == dev.waygate.config.ServerConfig.Transport.STDIO) {
                o.put("sandbox", u.config().sandbox().enabled() ? "bubblewrap" : "none");
            }
            if (!u.lastError().isEmpty()) {
                o.put("last_error", u.lastError());
            }
            o.put("protocol_version", u.initializeResult().path("protocolVersion").asText(""));
            o.set("server_info", u.initializeResult().path("serverInfo").deepCopy());
        }
        return out;
    }
}
