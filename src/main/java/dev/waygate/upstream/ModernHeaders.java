package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ModernMeta;
import java.net.http.HttpRequest;
import java.util.Optional;

/**
 * The request metadata headers a 2026-07-28 client puts on every POST: the protocol version, and
 * the method and target mirrored from the body ({@code Mcp-Method}, {@code Mcp-Name}; a name that
 * is not plain header-safe ASCII travels in the {@code =?base64?…?=} form).
 */
final class ModernHeaders {
    private ModernHeaders() {}

    /** Adds the headers when the message is a modern one (its {@code _meta} declares a version). */
    static void add(HttpRequest.Builder b, JsonNode message) {
        Optional<String> version = ModernMeta.declaredVersion(message);
        if (version.isEmpty() || !message.has("id")) {
            return;
        }
        b.setHeader("MCP-Protocol-Version", version.get());
        String method = message.path("method").asText();
        b.setHeader("Mcp-Method", method);
        String name = switch (method) {
            case "tools/call", "prompts/get" -> message.path("params").path("name").asText(null);
            case "resources/read" -> message.path("params").path("uri").asText(null);
            default -> null;
        };
        if (name != null) {
            b.setHeader("Mcp-Name", encode(name));
        }
    }

    static String encode(String value) {
        return dev.waygate.mcp.ParamHeaders.encode(value);
    }
}
