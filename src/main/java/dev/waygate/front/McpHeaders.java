package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.McpException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The request metadata headers of MCP 2026-07-28 Streamable HTTP: {@code Mcp-Method} and
 * {@code Mcp-Name} mirror the body so that the gateway (and anything in front of it) can route and
 * judge a request before parsing it. Whoever acts on a header must know it says what the body
 * says: a request whose headers disagree with its body is refused (HeaderMismatch), or a load
 * balancer and the gateway could each act on a different tool.
 */
record McpHeaders(String method, Optional<String> rawName) {
    static final String METHOD = "Mcp-Method";
    static final String NAME = "Mcp-Name";
    /** Requests whose target is mirrored in {@code Mcp-Name}, and the body field it comes from. */
    static final Set<String> NAMED = Set.of("tools/call", "prompts/get", "resources/read");

    /** The headers as sent. Empty when Mcp-Method is absent. */
    static Optional<McpHeaders> read(org.eclipse.jetty.http.HttpFields headers) {
        String method = headers.get(METHOD);
        if (method == null) {
            return Optional.empty();
        }
        return Optional.of(new McpHeaders(method, Optional.ofNullable(headers.get(NAME))));
    }

    /** {@code Mcp-Name} decoded from the base64 sentinel form; throws HEADER_MISMATCH when it is not valid. */
    Optional<String> name() {
        return rawName.map(McpHeaders::decode);
    }

    /** Checks the headers against the parsed body; throws HEADER_MISMATCH naming the disagreement. */
    static void check(Optional<McpHeaders> headers, JsonNode message) {
        if (!message.has("id")) {
            return; // notification POSTs: header rules not defined by 2026-07-28
        }
        McpHeaders h = headers.orElseThrow(() -> mismatch("missing required header " + METHOD));
        String method = message.path("method").asText();
        if (!h.method().equals(method)) {
            throw mismatch(METHOD + " header value '" + clip(h.method()) + "' does not match body value '" + clip(method) + "'");
        }
        if (!NAMED.contains(method)) {
            return;
        }
        String field = method.equals("resources/read") ? "uri" : "name";
        String body = message.path("params").path(field).asText("");
        String name = h.name().orElseThrow(() -> mismatch("missing required header " + NAME + " for " + method));
        if (!name.equals(body)) {
            throw mismatch(NAME + " header value '" + clip(name) + "' does not match body value '" + clip(body) + "'");
        }
    }

    /** {@code =?base64?…?=} is the UTF-8 of the base64 text; anything else is the value itself (spec: Value Encoding). */
    static String decode(String value) {
        if (!(value.startsWith("=?base64?") && value.endsWith("?=") && value.length() > 11)) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                    throw mismatch(NAME + " header contains invalid characters");
                }
            }
            return value;
        }
        String encoded = value.substring(9, value.length() - 2);
        if (encoded.length() % 4 != 0) { // the JDK decoder accepts missing padding; the encoding is padded base64
            throw mismatch(NAME + " header is not valid base64 (padding)");
        }
        try {
            byte[] b = Base64.getDecoder().decode(encoded);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw mismatch(NAME + " header is not valid base64 UTF-8");
        }
    }

    private static McpException mismatch(String message) {
        return new McpException(ErrorCodes.HEADER_MISMATCH, "Header mismatch: " + message);
    }

    private static String clip(String s) {
        String p = dev.waygate.mcp.LogText.printable(s);
        return p.length() > 200 ? p.substring(0, 200) + "…" : p;
    }
}
