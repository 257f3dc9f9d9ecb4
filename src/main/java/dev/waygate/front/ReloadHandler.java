package dev.waygate.front;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.reload.LivePolicy;
import dev.waygate.reload.ReloadResult;
import java.util.Optional;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code POST /proxy/reload-config}, admin role only: re-reads the configuration file and applies
 * its policy and rate limits. 200 {@code {"version", "applied", "restart_needed": [...]}} when the
 * file is valid (applied is false when its content is already in force); 422 with the error
 * ({@code file:line: key: reason}) and the version still in force when it is not.
 */
final class ReloadHandler {
    static final String PATH = "/proxy/reload-config";

    private final LivePolicy policy;
    private final HttpGuard guard;

    ReloadHandler(LivePolicy policy, HttpGuard guard) {
        this.policy = policy;
        this.guard = guard;
    }

    void handle(Request request, Response response, Callback callback) {
        Optional<Principal> principal = guard.admit(request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        if (!principal.get().roles().contains(KeysHandler.ADMIN_ROLE)) {
            Http.error(response, callback, 403, "forbidden", "reloading the configuration needs the admin role");
            return;
        }
        if (!request.getMethod().equals("POST")) {
            Http.error(response, callback, 405, "method_not_allowed", "use POST");
            return;
        }
        ReloadResult r = policy.reload("http");
        if (r.outcome() == ReloadResult.Outcome.REFUSED) {
            ObjectNode body = Json.object();
            body.putObject("error").put("code", "config_invalid").put("message", r.error().orElseThrow());
            body.put("version", r.inForce().version());
            Http.json(response, callback, 422, body);
            return;
        }
        Http.json(response, callback, 200, json(r));
    }

    static ObjectNode json(ReloadResult r) {
        PolicySnapshot s = r.inForce();
        ObjectNode o = Json.object().put("version", s.version()).put("applied", r.applied())
                .put("rules", s.policy().rules().size()).put("loaded_at", s.loadedAt().toString()).put("digest", s.digest());
        var restart = o.putArray("restart_needed");
        r.restartNeeded().forEach(restart::add);
        return o;
    }
}
