package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditLog;
import dev.waygate.audit.Events;
import dev.waygate.auth.ApiKey;
import dev.waygate.auth.KeyStore;
import dev.waygate.auth.Lifetimes;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Key management over REST, for principals with the {@code admin} role only:
 * {@code GET /keys}, {@code POST /keys} ({@code {"name", "roles", "expires_in"}}),
 * {@code POST /keys/{id}/revoke}, {@code POST /keys/{id}/rotate} ({@code {"grace"}}).
 * A new key is in the response body once and nowhere else; each operation is audited
 * ({@code key.create}, {@code key.revoke}, {@code key.rotate}) with the key's prefix only.
 */
final class KeysHandler {
    static final String ADMIN_ROLE = "admin";
    static final Duration DEFAULT_GRACE = Duration.ofHours(24);
    private static final Pattern ACTION = Pattern.compile("/keys/([^/]+)/(revoke|rotate)");
    private static final long MAX_BODY = 16 * 1024;

    private final KeyStore keys;
    private final HttpGuard guard;
    private final AuditLog audit;

    KeysHandler(KeyStore keys, HttpGuard guard, AuditLog audit) {
        this.keys = keys;
        this.guard = guard;
        this.audit = audit;
    }

    void handle(String path, Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        if (!principal.get().roles().contains(ADMIN_ROLE)) {
            Http.error(response, callback, 403, "forbidden", "key management needs the admin role");
            return;
        }
        String method = request.getMethod();
        Matcher m = ACTION.matcher(path);
        try {
            if (path.equals("/keys") && method.equals("GET")) {
                Http.json(response, callback, 200, Json.object().set("keys", list()));
            } else if (path.equals("/keys") && method.equals("POST")) {
                create(principal.get(), body(request), response, callback);
            } else if (m.matches() && method.equals("POST")) {
                if (m.group(2).equals("revoke")) {
                    if (keys.revoke(m.group(1))) {
                        audit.record(Events.keyLifecycle(principal.get().name(), "key.revoke", display(m.group(1)), Json.object()));
                        Http.json(response, callback, 200, Json.object().put("revoked", m.group(1)));
                    } else {
                        Http.error(response, callback, 404, "not_found", "no active key " + m.group(1));
                    }
                } else {
                    rotate(principal.get(), m.group(1), body(request), response, callback);
                }
            } else {
                Http.error(response, callback, path.equals("/keys") || m.matches() ? 405 : 404,
                        path.equals("/keys") || m.matches() ? "method_not_allowed" : "not_found", "no such operation");
            }
        } catch (IllegalArgumentException e) {
            Http.error(response, callback, 400, "bad_request", e.getMessage());
        }
    }

    private ArrayNode list() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        Instant now = Instant.now();
        for (ApiKey k : keys.list()) {
            ObjectNode o = out.addObject().put("id", k.id()).put("prefix", KeyStore.display(k)).put("name", k.name())
                    .put("state", k.revokedAt().isPresent() ? "revoked" : k.usable(now) ? "active" : "expired")
                    .put("created_at", k.createdAt().toString());
            k.roles().forEach(o.withArray("roles")::add);
            k.expiresAt().ifPresent(e -> o.put("expires_at", e.toString()));
        }
        return out;
    }

    private void create(Principal admin, JsonNode body, Response response, Callback callback) {
        String name = body.path("name").asText("");
        Set<String> roles = new LinkedHashSet<>();
        for (JsonNode r : body.path("roles")) {
            roles.add(r.asText());
        }
        Optional<Instant> expiry = body.hasNonNull("expires_in")
                ? Optional.of(Instant.now().plus(duration(body.get("expires_in").asText(), "expires_in")))
                : Optional.empty();
        KeyStore.Created c = keys.create(name, roles, expiry);
        ObjectNode details = Json.object().put("name", name);
        roles.forEach(details.putArray("roles")::add);
        expiry.ifPresent(e -> details.put("expires_at", e.toString()));
        audit.record(Events.keyLifecycle(admin.name(), "key.create", KeyStore.display(c.record()), details));
        Http.json(response, callback, 201, Json.object().put("key", c.key()).put("id", c.record().id())
                .put("prefix", KeyStore.display(c.record())));
    }

    private void rotate(Principal admin, String id, JsonNode body, Response response, Callback callback) {
        Duration grace = body.hasNonNull("grace") ? duration(body.get("grace").asText(), "grace") : DEFAULT_GRACE;
        Optional<KeyStore.Created> rotated = keys.rotate(id, grace);
        rotated.ifPresent(c -> audit.record(Events.keyLifecycle(admin.name(), "key.rotate", display(id),
                Json.object().put("new_key", KeyStore.display(c.record())).put("grace_seconds", grace.toSeconds()))));
        rotated.ifPresentOrElse(
                c -> Http.json(response, callback, 200, Json.object().put("key", c.key()).put("id", c.record().id())
                        .put("prefix", KeyStore.display(c.record())).put("old_key_valid_seconds", grace.toSeconds())),
                () -> Http.error(response, callback, 404, "not_found", "no active key " + id));
    }

    /** The printable prefix of a key named by id, prefix or (mistakenly) the whole key: never the secret. */
    private static String display(String idOrPrefix) {
        String id = idOrPrefix.startsWith("wg_") ? idOrPrefix.substring(3).split("_", 2)[0] : idOrPrefix;
        return "wg_" + id;
    }

    private static JsonNode body(Request request) {
        return Http.jsonObject(request, MAX_BODY);
    }

    private static Duration duration(String s, String field) {
        try {
            Duration d = Lifetimes.parse(s);
            if (d.isNegative()) {
                throw new IllegalArgumentException(field + " must not be negative");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": '" + s + "' is not a duration (e.g. 30d, 12h, 90m)");
        }
    }
}
