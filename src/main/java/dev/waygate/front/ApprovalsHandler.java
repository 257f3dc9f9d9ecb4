package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.approval.DecisionException;
import dev.waygate.approval.Webhooks;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * Approvals over REST, behind the same authentication as /mcp:
 * {@code GET /approvals} ({@code ?state=pending}, the default, or {@code all}),
 * {@code GET /approvals/{id}}, {@code POST /approvals/{id}/approve|deny}
 * ({@code {"comment": "...", "similar_minutes": N}}), and {@code GET /approvals/webhooks}
 * (delivery status, for approvers and admins). Refusals: 403 {@code self_approval} /
 * {@code not_an_approver}, 409 {@code not_pending} / {@code already_voted}, 404 {@code not_found}.
 */
final class ApprovalsHandler {
    private static final Pattern ONE = Pattern.compile("/approvals/(ap_[0-9a-f]{1,64})");
    private static final Pattern ACTION = Pattern.compile("/approvals/(ap_[0-9a-f]{1,64})/(approve|deny)");
    private static final long MAX_BODY = 16 * 1024;

    private final ApprovalsApi api;
    private final Webhooks webhooks;
    private final HttpGuard guard;

    ApprovalsHandler(ApprovalsApi api, Webhooks webhooks, HttpGuard guard) {
        this.api = api;
        this.webhooks = webhooks;
        this.guard = guard;
    }

    static boolean serves(String path) {
        return path.equals("/approvals") || path.startsWith("/approvals/");
    }

    void handle(String path, Request request, Response response, Callback callback) {
        Optional<Principal> p = guard.admit(request, response, callback);
        if (p.isEmpty()) {
            return;
        }
        String method = request.getMethod();
        Matcher one = ONE.matcher(path);
        Matcher action = ACTION.matcher(path);
        if (path.equals("/approvals") && method.equals("GET")) {
            Fields q = Request.extractQueryParameters(request);
            String state = Optional.ofNullable(q.getValue("state")).orElse("pending");
            if (!state.equals("pending") && !state.equals("all")) {
                Http.error(response, callback, 400, "bad_request", "state must be pending or all");
                return;
            }
            Http.json(response, callback, 200, api.list(p.get(), state.equals("pending")));
        } else if (path.equals("/approvals/webhooks") && method.equals("GET")) {
            if (p.get().roles().stream().noneMatch(r -> r.equals("admin") || r.equals("approver"))) {
                Http.error(response, callback, 403, "forbidden", "webhook status needs the admin or approver role");
                return;
            }
            Http.json(response, callback, 200, Json.object().set("webhooks", webhooks.status()));
        } else if (one.matches() && method.equals("GET")) {
            api.get(p.get(), one.group(1)).ifPresentOrElse(a -> Http.json(response, callback, 200, a),
                    () -> Http.error(response, callback, 404, "not_found", "no approval " + one.group(1)));
        } else if (action.matches() && method.equals("POST")) {
            decide(p.get(), action.group(1), action.group(2).equals("approve"), request, response, callback);
        } else if (one.matches() || action.matches() || path.equals("/approvals")) {
            Http.error(response, callback, 405, "method_not_allowed", "no such operation");
        } else {
            Http.error(response, callback, 404, "not_found", "no such endpoint: " + path);
        }
    }

    private void decide(Principal p, String id, boolean approve, Request request, Response response, Callback callback) {
        JsonNode body;
        try {
            byte[] b = Http.readBody(request, MAX_BODY);
            body = b.length == 0 ? Json.object() : Json.parse(b);
            if (!body.isObject()) {
                throw new IOException("not an object");
            }
        } catch (IOException e) {
            Http.error(response, callback, 400, "bad_request", "the body must be a JSON object of at most " + MAX_BODY + " bytes");
            return;
        }
        answer(() -> api.decide(p, id, approve, body), id, response, callback);
    }

    /** Runs a decision and answers with its result or its refusal. */
    static void answer(java.util.function.Supplier<JsonNode> decision, String id, Response response, Callback callback) {
        try {
            Http.json(response, callback, 200, decision.get());
        } catch (DecisionException e) {
            Http.error(response, callback, e.status(), e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            Http.error(response, callback, 400, "bad_request", e.getMessage());
        }
    }
}
