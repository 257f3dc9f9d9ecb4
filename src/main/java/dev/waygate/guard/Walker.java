package dev.waygate.guard;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Visits every string of a JSON tree (object keys included) with its path and the name of the
 * property it belongs to (for array elements, the array's name), within {@link GuardSettings.Limits}:
 * a tree deeper, larger or with longer strings than allowed throws {@link LimitExceededException}
 * naming where. Iterative over objects and arrays at each level; recursion depth is bounded by the limit.
 */
final class Walker {
    interface Visitor {
        /**
         * @param name   the property the value belongs to (empty at the root)
         * @param key    the value is an object key, not a value
         * @param schema the value's schema, as far as the tool's input schema describes it; missing node if not
         */
        void string(String path, String name, String value, boolean key, JsonNode schema);
    }

    private final GuardSettings.Limits limits;
    private final Visitor visitor;
    private int values;

    Walker(GuardSettings.Limits limits, Visitor visitor) {
        this.limits = limits;
        this.visitor = visitor;
    }

    /** @param schema the tool's input schema ({@code properties} and {@code items} are followed); missing node if none */
    void walk(JsonNode root, JsonNode schema) {
        visit(root, "$", "", 0, schema);
    }

    private void visit(JsonNode n, String path, String name, int depth, JsonNode schema) {
        if (++values > limits.maxValues()) {
            throw new LimitExceededException(path, "more than " + limits.maxValues() + " values");
        }
        if (n.isTextual()) {
            String v = n.textValue();
            if (v.length() > limits.maxStringLength()) {
                throw new LimitExceededException(path, "a string longer than " + limits.maxStringLength() + " characters");
            }
            visitor.string(path, name, v, false, schema);
            return;
        }
        if (!n.isContainerNode()) {
            return;
        }
        if (depth >= limits.maxDepth()) {
            throw new LimitExceededException(path, "nesting deeper than " + limits.maxDepth() + " levels");
        }
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                visit(n.get(i), JsonPaths.index(path, i), name, depth + 1, schema.path("items"));
            }
            return;
        }
        JsonNode props = schema.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.length() > limits.maxStringLength()) {
                throw new LimitExceededException(path, "a key longer than " + limits.maxStringLength() + " characters");
            }
            String child = JsonPaths.field(path, key);
            visitor.string(child, key, key, true, props.path(key)); // keys can carry secrets too
            visit(e.getValue(), child, key, depth + 1, props.path(key));
        }
    }
}
