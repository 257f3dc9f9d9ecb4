package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.Version;
import dev.waygate.mcp.ModernMeta;
import java.util.Set;

/**
 * What a 2026-07-28 client expects on every result that a legacy answer lacks: {@code resultType},
 * the server's identity in {@code _meta}, and caching hints on the cacheable results.
 */
final class ModernResults {
    /** Lists are filtered per principal by the policy, so they may be cached only per authorization context. */
    static final String LIST_SCOPE = "private";
    /** How long a client may reuse a list without asking again; list_changed on a listen stream invalidates it earlier. */
    static final long LIST_TTL_MS = 30_000;
    static final long DISCOVER_TTL_MS = 300_000;
    private static final Set<String> LISTS = Set.of("tools/list", "prompts/list", "resources/list", "resources/templates/list");

    private ModernResults() {}

    static JsonNode complete(String method, JsonNode result) {
        if (!(result instanceof ObjectNode r)) {
            return result;
        }
        if (!r.has("resultType")) {
            r.put("resultType", "complete");
        }
        serverInfo(r);
        if (!r.path("resultType").asText().equals("complete")) {
            return r; // input_required: not cacheable
        }
        if (LISTS.contains(method)) {
            r.put("ttlMs", LIST_TTL_MS).put("cacheScope", LIST_SCOPE);
        } else if (method.equals("resources/read")) {
            // The upstream knows its data; a result it did not label is fresh for no time and is this principal's.
            if (!r.path("ttlMs").canConvertToLong() || r.path("ttlMs").asLong() < 0) {
                r.put("ttlMs", 0);
            }
            r.put("cacheScope", "private");
        }
        return r;
    }

    static void serverInfo(ObjectNode r) {
        JsonNode meta = r.get("_meta");
        ObjectNode m = meta instanceof ObjectNode o ? o : r.putObject("_meta");
        m.putObject(ModernMeta.SERVER_INFO).put("name", "waygate").put("version", Version.VERSION);
    }
}
