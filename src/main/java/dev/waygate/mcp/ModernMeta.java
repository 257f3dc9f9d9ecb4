package dev.waygate.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The per-request protocol fields of MCP 2026-07-28 ({@code params._meta["io.modelcontextprotocol/…"]}):
 * a modern request says which version it speaks, who the client is and what it can do, every time.
 */
public record ModernMeta(String protocolVersion, JsonNode clientCapabilities, JsonNode clientInfo) {
    public static final String PREFIX = "io.modelcontextprotocol/";
    public static final String PROTOCOL_VERSION = PREFIX + "protocolVersion";
    public static final String CLIENT_CAPABILITIES = PREFIX + "clientCapabilities";
    public static final String CLIENT_INFO = PREFIX + "clientInfo";
    public static final String SERVER_INFO = PREFIX + "serverInfo";
    public static final String SUBSCRIPTION_ID = PREFIX + "subscriptionId";

    /** The version a message's body declares, if it declares one (then it is a modern message). */
    public static Optional<String> declaredVersion(JsonNode message) {
        JsonNode v = message.path("params").path("_meta").get(PROTOCOL_VERSION);
        return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
    }

    /** Reads the fields of a modern request; a missing required field is INVALID_PARAMS (spec: basic, _meta). */
    public static ModernMeta of(JsonNode message) {
        JsonNode meta = message.path("params").path("_meta");
        JsonNode version = meta.get(PROTOCOL_VERSION);
        if (version == null || !version.isTextual()) {
            throw McpException.invalidParams("_meta." + PROTOCOL_VERSION + " is required");
        }
        JsonNode caps = meta.get(CLIENT_CAPABILITIES);
        if (caps == null || !caps.isObject()) {
            throw McpException.invalidParams("_meta." + CLIENT_CAPABILITIES + " is required (an object)");
        }
        JsonNode info = meta.get(CLIENT_INFO);
        return new ModernMeta(version.asText(), caps, info != null && info.isObject() ? info : Json.object());
    }

    /** The params without the per-request protocol fields and MRTR fields: what an upstream is sent. */
    public static ObjectNode forwardable(ObjectNode params) {
        ObjectNode p = params.deepCopy();
        p.remove("inputResponses");
        p.remove("requestState");
        if (p.get("_meta") instanceof ObjectNode meta) {
            meta.remove(java.util.List.of(PROTOCOL_VERSION, CLIENT_CAPABILITIES, CLIENT_INFO, PREFIX + "logLevel"));
            if (meta.isEmpty()) {
                p.remove("_meta");
            }
        }
        return p;
    }
}
