package dev.waygate.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code Mcp-Param-{Name}} headers of MCP 2026-07-28 Streamable HTTP (spec: Custom Headers from Tool
 * Parameters): a tool's {@code inputSchema} may mark primitive parameters with {@code x-mcp-header},
 * and a client then mirrors their values into headers, so that something in front of the server
 * (a load balancer, a gateway) can act on them without reading the body. Whoever processes the body
 * must check the headers say what the body says, or a proxy and the server could each act on a
 * different value; a mismatch is HeaderMismatch (-32020, HTTP 400).
 *
 * <p>Used both ways: the gateway checks what its clients send ({@link #check}), and mirrors the
 * values into the headers of its own requests to modern upstreams ({@link #headers}).
 */
public final class ParamHeaders {
    public static final String PREFIX = "Mcp-Param-";
    private static final String KEY = "x-mcp-header";
    private static final Set<String> TYPES = Set.of("string", "integer", "boolean");

    private ParamHeaders() {}

    /** One annotated parameter: the header's name part, the chain of {@code properties} keys, its JSON type. */
    public record Declared(String name, List<String> path, String type) {}

    /**
     * The annotations of a tool's input schema, in schema order; throws {@link IllegalArgumentException}
     * naming the first violation of the spec's constraints (such a tool must not be offered).
     */
    public static List<Declared> declared(JsonNode inputSchema) {
        List<Declared> out = new ArrayList<>();
        walk(inputSchema, new ArrayList<>(), out);
        if (count(inputSchema) != out.size()) {
            throw new IllegalArgumentException(KEY + " is allowed only on properties reachable through 'properties' keys alone");
        }
        Set<String> names = new HashSet<>();
        for (Declared d : out) {
            if (!names.add(d.name().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(KEY + " value '" + d.name() + "' is used twice (case-insensitively)");
            }
        }
        return out;
    }

    private static void walk(JsonNode schema, List<String> path, List<Declared> out) {
        JsonNode props = schema == null ? null : schema.get("properties");
        if (props == null || !props.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            JsonNode sub = e.getValue();
            if (sub.has(KEY)) {
                JsonNode v = sub.get(KEY);
                if (!v.isTextual() || v.asText().isEmpty() || !token(v.asText())) {
                    throw new IllegalArgumentException(KEY + " of '" + String.join(".", p) + "' is not an HTTP field-name token");
                }
                String type = sub.path("type").asText("");
                if (!TYPES.contains(type)) {
                    throw new IllegalArgumentException(KEY + " of '" + String.join(".", p)
                            + "' is on a parameter of type '" + type + "' (only string, integer, boolean)");
                }
                out.add(new Declared(v.asText(), List.copyOf(p), type));
            }
            walk(sub, p, out);
        }
    }

    private static int count(JsonNode n) {
        int c = 0;
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                c += e.getKey().equals(KEY) ? 1 : 0;
                c += count(e.getValue());
            }
        } else if (n.isArray()) {
            for (JsonNode x : n) {
                c += count(x);
            }
        }
        return c;
    }

    /** RFC 9110 tchar. */
    private static boolean token(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The body's value of an annotated parameter, as header text; empty when absent or null (no header then). */
    static Optional<String> value(JsonNode arguments, Declared d) {
        JsonNode v = arguments;
        for (String k : d.path()) {
            v = v == null || !v.isObject() ? null : v.get(k);
        }
        if (v == null || v.isNull() || v.isMissingNode()) {
            return Optional.empty();
        }
        if (v.isBoolean()) {
            return Optional.of(v.asBoolean() ? "true" : "false");
        }
        if (v.isIntegralNumber()) {
            return Optional.of(v.bigIntegerValue().toString());
        }
        if (v.isNumber()) {
            return Optional.of(v.decimalValue().stripTrailingZeros().toPlainString());
        }
        return Optional.of(v.isTextual() ? v.asText() : v.toString());
    }

    /**
     * Checks a {@code tools/call}'s {@code Mcp-Param-*} headers against its arguments (spec: Server
     * Behavior for Custom Headers): each annotated parameter with a value needs its header, equal after
     * decoding (integers compared as numbers); one without a value must have none. Throws HeaderMismatch.
     *
     * @param header a header's value by name (case-insensitive), or null
     */
    public static void check(JsonNode inputSchema, JsonNode arguments, Function<String, String> header) {
        List<Declared> declared;
        try {
            declared = declared(inputSchema);
        } catch (IllegalArgumentException e) {
            throw McpException.invalidParams("the tool's x-mcp-header annotations are invalid: " + e.getMessage());
        }
        for (Declared d : declared) {
            String name = PREFIX + d.name();
            String sent = header.apply(name);
            Optional<String> body = value(arguments, d);
            if (body.isEmpty()) {
                if (sent != null) {
                    throw mismatch(name + " header is present but the body has no value for '" + String.join(".", d.path()) + "'");
                }
                continue;
            }
            if (sent == null) {
                throw mismatch("missing required header " + name);
            }
            String decoded = decode(sent, name);
            if (!same(decoded, body.get(), d.type())) {
                throw mismatch(name + " header value '" + clip(decoded) + "' does not match body value '" + clip(body.get()) + "'");
            }
        }
    }

    private static boolean same(String header, String body, String type) {
        if (type.equals("integer")) {
            try {
                return new BigDecimal(header).compareTo(new BigDecimal(body)) == 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return header.equals(body);
    }

    /** The headers a client sends for a {@code tools/call} of a tool with this schema; none when its annotations are invalid. */
    public static Map<String, String> headers(JsonNode inputSchema, JsonNode arguments) {
        Map<String, String> out = new LinkedHashMap<>();
        List<Declared> declared;
        try {
            declared = declared(inputSchema);
        } catch (IllegalArgumentException e) {
            return out;
        }
        for (Declared d : declared) {
            value(arguments, d).ifPresent(v -> out.put(PREFIX + d.name(), encode(v)));
        }
        return out;
    }

    /** Plain when it is header-safe ASCII without edge spaces and not sentinel-shaped; otherwise {@code =?base64?…?=}. */
    public static String encode(String value) {
        boolean safe = !value.isEmpty() && value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' '
                && value.charAt(0) != '\t' && value.charAt(value.length() - 1) != '\t'
                && !(value.startsWith("=?base64?") && value.endsWith("?="));
        for (int i = 0; safe && i < value.length(); i++) {
            char c = value.charAt(i);
            safe = c >= 0x20 && c <= 0x7e;
        }
        return safe ? value : "=?base64?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /** The sentinel form decoded, else the value itself; a value with characters a header may not carry is a mismatch. */
    public static String decode(String value, String header) {
        if (!(value.startsWith("=?base64?") && value.endsWith("?=") && value.length() > 11)) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                    throw mismatch(header + " header contains invalid characters");
                }
            }
            return value;
        }
        String encoded = value.substring(9, value.length() - 2);
        if (encoded.length() % 4 != 0) { // the JDK decoder accepts missing padding; the encoding is padded base64
            throw mismatch(header + " header is not valid base64 (padding)");
        }
        try {
            byte[] b = Base64.getDecoder().decode(encoded);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw mismatch(header + " header is not valid base64 UTF-8");
        }
    }

    private static McpException mismatch(String message) {
        return new McpException(ErrorCodes.HEADER_MISMATCH, "Header mismatch: " + message);
    }

    private static String clip(String s) {
        String p = LogText.printable(s);
        return p.length() > 200 ? p.substring(0, 200) + "…" : p;
    }
}
