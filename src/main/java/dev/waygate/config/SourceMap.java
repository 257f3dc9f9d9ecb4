package dev.waygate.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Line numbers of every key and value in a YAML or JSON document, by JSON pointer, so that
 * validation errors can name the line. Built by a token walk before the tree parse (Jackson's tree
 * model does not keep locations). The walk also rejects what the tree parse would accept silently:
 * a duplicate key (naming the second one) and a YAML alias.
 */
final class SourceMap {
    private final Map<String, Integer> lines = new HashMap<>();

    /** A mapping being walked, with the keys seen so far in it. */
    private record Mapping(Set<String> keys) {}

    static SourceMap of(JsonFactory factory, String text, String file) throws IOException {
        SourceMap map = new SourceMap();
        try (JsonParser p = factory.createParser(text)) {
            Deque<Object> path = new ArrayDeque<>();   // String field, int[] index or Mapping
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                int line = p.currentTokenLocation().getLineNr();
                switch (t) {
                    case FIELD_NAME -> {
                        // YAML and JSON allow duplicates and keep the last: a silent override of, say, command.
                        boolean first = !(path.peek() instanceof Mapping m) || m.keys().add(p.currentName());
                        path.push(p.currentName());
                        if (!first) {
                            throw new ConfigException(file, line, keyPath(path), "duplicate key");
                        }
                        map.lines.putIfAbsent(pointer(path), line);
                        continue;
                    }
                    case START_OBJECT, START_ARRAY -> {
                        advanceIndex(path);
                        map.lines.putIfAbsent(pointer(path), line);
                        path.push(t == JsonToken.START_ARRAY ? new int[] {-1} : new Mapping(new HashSet<>()));
                        continue;
                    }
                    case END_OBJECT, END_ARRAY -> {
                        path.pop();
                        popField(path);
                        continue;
                    }
                    default -> {
                        advanceIndex(path);
                        map.lines.putIfAbsent(pointer(path), line);
                        // Jackson reads an alias as the text of its name: *token would silently become "token".
                        if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                            throw new ConfigException(file, line, keyPath(path),
                                    "YAML aliases (*" + p.getText() + ") are not supported; write the value out");
                        }
                        popField(path);
                    }
                }
            }
        }
        return map;
    }

    private static void advanceIndex(Deque<Object> path) {
        if (!path.isEmpty() && path.peek() instanceof int[] idx) {
            idx[0]++;
        }
    }

    private static void popField(Deque<Object> path) {
        if (!path.isEmpty() && path.peek() instanceof String) {
            path.pop();
        }
    }

    private static String pointer(Deque<Object> path) {
        StringBuilder sb = new StringBuilder();
        var it = path.descendingIterator();
        while (it.hasNext()) {
            Object o = it.next();
            if (o instanceof int[] idx) {
                sb.append('/').append(idx[0]);
            } else if (o instanceof String s) {
                sb.append('/').append(s.replace("~", "~0").replace("/", "~1"));
            }
        }
        return sb.toString();
    }

    /** The same path in the form {@link Node} names keys: {@code servers.files.args[0]}. */
    private static String keyPath(Deque<Object> path) {
        StringBuilder sb = new StringBuilder();
        var it = path.descendingIterator();
        while (it.hasNext()) {
            Object o = it.next();
            if (o instanceof int[] idx) {
                sb.append('[').append(idx[0]).append(']');
            } else if (o instanceof String s) {
                sb.append(sb.isEmpty() ? "" : ".").append(s);
            }
        }
        return sb.toString();
    }

    /** The line of the node at this pointer, or of its nearest ancestor. */
    int line(String pointer) {
        String p = pointer;
        while (true) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
            int cut = p.lastIndexOf('/');
            if (cut < 0) {
                return 1;
            }
            p = p.substring(0, cut);
        }
    }
}
