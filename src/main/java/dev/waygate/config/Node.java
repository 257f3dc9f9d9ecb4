package dev.waygate.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A located view of one node of a configuration document: every accessor validates the type and,
 * on failure, throws a {@link ConfigException} naming file, line and key. String values have
 * {@code ${VAR}} and {@code ${file:PATH}} references expanded ({@link Env}).
 */
final class Node {
    private final JsonNode value;
    private final String pointer;
    private final String key;
    private final Source source;

    record Source(String file, SourceMap lines, Env.Refs refs) {}

    Node(JsonNode value, String pointer, String key, Source source) {
        this.value = value;
        this.pointer = pointer;
        this.key = key;
        this.source = source;
    }

    String key() {
        return key;
    }

    String file() {
        return source.file();
    }

    ConfigException error(String reason) {
        return new ConfigException(source.file(), source.lines().line(pointer), key, reason);
    }

    boolean isList() {
        return value.isArray();
    }

    boolean isObject() {
        return value.isObject();
    }

    /** Rejects keys not in {@code allowed}: a typo must not be silently ignored. */
    Node requireKeys(Set<String> allowed) {
        requireObject();
        for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw child(k).error("unknown key (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
        return this;
    }

    Node requireObject() {
        if (!value.isObject()) {
            throw error("must be a mapping");
        }
        return this;
    }

    boolean has(String k) {
        return value.has(k) && !value.get(k).isNull();
    }

    Node child(String k) {
        String p = pointer + "/" + k.replace("~", "~0").replace("/", "~1");
        return new Node(value.path(k), p, key.isEmpty() ? k : key + "." + k, source);
    }

    Optional<Node> optional(String k) {
        return has(k) ? Optional.of(child(k)) : Optional.empty();
    }

    String asString() {
        if (!value.isValueNode() || value.isNull()) {
            throw error("must be a string");
        }
        return Env.expand(value.asText(), source.refs(), this::error);
    }

    /** The string as written, references not expanded. */
    String rawText() {
        if (!value.isValueNode() || value.isNull()) {
            throw error("must be a string");
        }
        return value.asText();
    }

    /** The string as written with references marked: see {@link Env#literalView}. */
    String literalView() {
        return Env.literalView(rawText());
    }

    Optional<String> string(String k) {
        return optional(k).map(Node::asString);
    }

    int asInt(int min, int max) {
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw error("must be an integer");
        }
        int v = value.intValue();
        if (v < min || v > max) {
            throw error("must be between " + min + " and " + max);
        }
        return v;
    }

    boolean asBoolean() {
        if (!value.isBoolean()) {
            throw error("must be true or false");
        }
        return value.booleanValue();
    }

    List<Node> asList() {
        if (!value.isArray()) {
            throw error("must be a list");
        }
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            out.add(new Node(value.get(i), pointer + "/" + i, key + "[" + i + "]", source));
        }
        return out;
    }

    List<String> asStringList() {
        return asList().stream().map(Node::asString).toList();
    }

    /** A mapping of names to nodes, in document order. */
    Map<String, Node> asMap() {
        requireObject();
        Map<String, Node> out = new LinkedHashMap<>();
        value.fieldNames().forEachRemaining(k -> out.put(k, child(k)));
        return out;
    }

    Map<String, String> asStringMap() {
        Map<String, String> out = new LinkedHashMap<>();
        asMap().forEach((k, v) -> out.put(k, v.asString()));
        return out;
    }
}
