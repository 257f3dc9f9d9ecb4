package dev.waygate.pin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.Canonical;
import dev.waygate.mcp.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The part of a tool an upstream can change to mislead the model, and its pin hash. Pinned
 * fields: {@code name}, {@code title}, {@code description}, {@code inputSchema},
 * {@code outputSchema}, {@code annotations} — what the model reads and what decides how it is
 * called. Not pinned: {@code _meta} and {@code icons} (presentation and server bookkeeping that may
 * vary per session). The hash is SHA-256 over {@link Canonical#sorted}: key order and white space
 * do not change it, any change of a value does.
 *
 * @param json      the pinned fields only, as stored
 * @param canonical {@code json} in canonical form
 * @param hash      SHA-256 of {@code canonical}, lower-case hex
 */
public record ToolDefinition(ObjectNode json, String canonical, String hash) {
    static final List<String> PINNED = List.of("name", "title", "description", "inputSchema", "outputSchema", "annotations");
    /** A definition's text is scanned only this deep (schemas nest; a hostile one must not exhaust the stack). */
    static final int MAX_DEPTH = 32;

    public static ToolDefinition of(JsonNode tool) {
        ObjectNode pinned = Json.object();
        for (String f : PINNED) {
            if (tool.has(f)) {
                pinned.set(f, tool.get(f));
            }
        }
        byte[] c = Canonical.sorted(pinned);
        return new ToolDefinition(pinned, new String(c, StandardCharsets.UTF_8), sha256(c));
    }

    public String name() {
        return json.path("name").asText("");
    }

    public String description() {
        return json.path("description").asText("");
    }

    /**
     * Scans every string of the definition — descriptions and titles anywhere in the schemas,
     * enum values, defaults, property names — each finding saying where it was.
     */
    public List<Finding> scan(PoisonScanner scanner) {
        List<Finding> out = new ArrayList<>();
        walk(json, "", scanner, out, 0);
        return out;
    }

    private static void walk(JsonNode n, String where, PoisonScanner scanner, List<Finding> out, int depth) {
        if (depth > MAX_DEPTH) {
            return;
        }
        if (n.isTextual()) {
            scanner.scan(n.textValue()).forEach(f -> out.add(f.at(where)));
        } else if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String at = where.isEmpty() ? e.getKey() : where + "." + e.getKey();
                scanner.scan(e.getKey()).forEach(f -> out.add(f.at(at + " (name)")));
                walk(e.getValue(), at, scanner, out, depth + 1);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                walk(n.get(i), where + "[" + i + "]", scanner, out, depth + 1);
            }
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
