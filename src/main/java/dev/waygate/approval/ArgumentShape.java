package dev.waygate.approval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shape of a call's arguments: key names and value types, never values. "Approve similar
 * calls" matches on it, so a grant for {@code {"message": "hi"}} covers {@code {"message": "bye"}}
 * but not a call that adds an argument or changes a type.
 */
final class ArgumentShape {
    private static final int MAX_DEPTH = 8;

    private ArgumentShape() {}

    static String of(JsonNode args) {
        StringBuilder b = new StringBuilder();
        append(args, 0, b);
        return b.toString();
    }

    private static void append(JsonNode n, int depth, StringBuilder b) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            b.append('z');
        } else if (depth >= MAX_DEPTH) {
            b.append('…');
        } else if (n.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            n.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            b.append('{');
            sorted.forEach((k, v) -> {
                b.append(k.length()).append(':').append(k).append('=');
                append(v, depth + 1, b);
                b.append(',');
            });
            b.append('}');
        } else if (n.isArray()) {
            TreeSet<String> kinds = new TreeSet<>();
            for (JsonNode e : n) {
                StringBuilder one = new StringBuilder();
                append(e, depth + 1, one);
                kinds.add(one.toString());
            }
            b.append('[').append(String.join("|", kinds)).append(']');
        } else if (n.isTextual()) {
            b.append('s');
        } else if (n.isNumber()) {
            b.append('n');
        } else if (n.isBoolean()) {
            b.append('b');
        } else {
            b.append('?');
        }
    }
}
