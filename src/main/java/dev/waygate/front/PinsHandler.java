package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.pin.Finding;
import dev.waygate.pin.Pin;
import dev.waygate.pin.PinNames;
import dev.waygate.pin.Shadow;
import dev.waygate.pin.ToolPins;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Tool pins over REST (decision 0017): {@code GET /tools/pins} (every pin and the shadowing
 * report; admin or auditor), {@code GET /tools/pins/{name}} (one pin with its approved and offered
 * definitions), {@code POST /tools/pins/{name}/approve} (admin; body {@code {"hash": "..."}}
 * optional: approve only that definition, 409 when the upstream offers another one by now).
 */
final class PinsHandler {
    static final String PATH = "/tools/pins";
    private static final Pattern ONE = Pattern.compile("/tools/pins/([A-Za-z0-9_.\\-]{1,300})(/approve)?");
    private static final Set<String> READERS = Set.of("admin", "auditor");
    private static final long MAX_BODY = 4096;

    private final ToolPins pins;
    private final HttpGuard guard;

    PinsHandler(ToolPins pins, HttpGuard guard) {
        this.pins = pins;
        this.guard = guard;
    }

    void handle(String path, Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        Matcher m = ONE.matcher(path);
        boolean approve = m.matches() && m.group(2) != null;
        if (!path.equals(PATH) && !m.matches()) {
            Http.error(response, callback, 404, "not_found", "no such endpoint: " + path);
        } else if (!request.getMethod().equals(approve ? "POST" : "GET")) {
            Http.error(response, callback, 405, "method_not_allowed", "use " + (approve ? "POST" : "GET"));
        } else if (approve ? !principal.get().roles().contains(KeysHandler.ADMIN_ROLE)
                : principal.get().roles().stream().noneMatch(READERS::contains)) {
            Http.error(response, callback, 403, "forbidden", approve ? "approving a tool needs the admin role"
                    : "reading tool pins needs the admin or auditor role");
        } else if (approve) {
            approve(principal.get(), m.group(1), request, response, callback);
        } else if (path.equals(PATH)) {
            Http.json(response, callback, 200, list());
        } else {
            one(m.group(1), response, callback);
        }
    }

    private ObjectNode list() {
        ObjectNode out = Json.object().put("mode", pins.mode().wire());
        ArrayNode a = out.putArray("pins");
        pins.pins().forEach(p -> a.add(summary(p)));
        ArrayNode s = out.putArray("shadowing");
        for (Shadow sh : pins.shadows()) {
            ObjectNode o = s.addObject().put("kind", sh.kind()).put("tool", sh.tool()).put("message", sh.message());
            sh.servers().forEach(o.withArray("servers")::add);
            if (!sh.mentions().isEmpty()) {
                o.put("mentions", sh.mentions());
            }
        }
        return out;
    }

    private ObjectNode summary(Pin p) {
        ObjectNode o = Json.object().put("name", pins.exposed(p.server(), p.tool())).put("server", p.server()).put("tool", p.tool())
                .put("state", p.state().wire())
                .put("held", p.state() != Pin.State.APPROVED && pins.mode() == dev.waygate.config.PinningConfig.Mode.ENFORCE)
                .put("reason", p.state().reasonCode())
                .put("seen_hash", p.seenHash()).put("first_seen", p.firstSeen().toString())
                .put("description", definition(p.seenDefinition()).path("description").asText(""));
        p.approvedHash().ifPresent(h -> o.put("approved_hash", h));
        p.approvedAt().ifPresent(t -> o.put("approved_at", t.toString()));
        if (!p.approvedBy().isEmpty()) {
            o.put("approved_by", p.approvedBy());
        }
        p.changedAt().map(Instant::toString).ifPresent(t -> o.put("changed_at", t));
        if (p.state() == Pin.State.CHANGED) {
            o.put("approved_description", definition(p.approvedDefinition().orElse("{}")).path("description").asText(""));
        }
        ArrayNode f = o.putArray("findings");
        for (Finding x : p.findings()) {
            f.addObject().put("kind", x.kind()).put("where", x.where()).put("reason", x.reason()).put("excerpt", x.excerpt());
        }
        return o;
    }

    private void one(String name, Response response, Callback callback) {
        List<Pin> matches = PinNames.matching(pinsConfig(), pins.pins(), name);
        if (matches.isEmpty()) {
            Http.error(response, callback, 404, "not_found", "no pinned tool named " + name);
            return;
        }
        ArrayNode all = Json.MAPPER.createArrayNode();
        for (Pin p : matches) {
            ObjectNode o = summary(p);
            o.set("definition", definition(p.seenDefinition()));
            p.approvedDefinition().ifPresent(d -> o.set("approved_definition", definition(d)));
            all.add(o);
        }
        Http.json(response, callback, 200, all.size() == 1 ? all.get(0) : Json.object().set("pins", all));
    }

    private void approve(Principal admin, String name, Request request, Response response, Callback callback) {
        Optional<String> hash;
        try {
            byte[] b = Http.readBody(request, MAX_BODY);
            JsonNode body = b.length == 0 ? Json.object() : Json.parse(b);
            hash = body.hasNonNull("hash") ? Optional.of(body.get("hash").asText()) : Optional.empty();
        } catch (IOException e) {
            Http.error(response, callback, 400, "bad_request", "the body must be empty or a JSON object {\"hash\": \"...\"}");
            return;
        }
        switch (pins.approve(name, admin.name(), hash)) {
            case APPROVED, ALREADY_APPROVED -> {
                Pin p = PinNames.matching(pinsConfig(), pins.pins(), name).getFirst();
                Http.json(response, callback, 200, Json.object().put("approved", name).put("hash", p.seenHash()));
            }
            case NOT_FOUND -> Http.error(response, callback, 404, "not_found", "no pinned tool named " + name);
            case AMBIGUOUS -> Http.error(response, callback, 409, "ambiguous", name + " names tools of several unprefixed servers");
            case HASH_MISMATCH -> Http.error(response, callback, 409, "hash_mismatch",
                    "the definition offered now is not the one with that hash; look again (GET /tools/pins/" + name + ")");
        }
    }

    private dev.waygate.config.GatewayConfig pinsConfig() {
        return pins.config();
    }

    private static JsonNode definition(String canonical) {
        try {
            return Json.parse(canonical);
        } catch (IOException e) {
            return Json.object();
        }
    }
}
