package dev.waygate.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Line numbers of every key and value in a YAML or JSON document, by JSON pointer, so that
 * validation errors can name the line. Built by a token walk beside the tree parse (Jackson's tree
 * model does not keep locations).
 */
final class SourceMap {
    private final Map<String, Integer> lines = new HashMap<>();

    static SourceMap of(JsonFactory factory, String text) throws IOException {
        SourceMap map = new SourceMap();
        try (JsonParser p = factory.createParser(text)) {
            Deque<Object> path = new ArrayDeque<>();   // String field or int[] index
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                int line = p.currentTokenLocation().getLineNr();
                switch (t) {
                    case FIELD_NAME -> {
                        path.push(p.currentName());
                        map.lines.putIfAbsent(pointer(path), line);
                        continue;
                    }
                    case START_OBJECT, START_ARRAY -> {
                        advanceIndex(path);
                        map.lines.putIfAbsent(pointer(path), line);
                        path.push(t == JsonToken.START_ARRAY ? new int[] {-1} : "{");
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
        if (!path.isEmpty() && path.peek() instanceof String s && !s.equals("{")) {
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
            } else if (!o.equals("{")) {
                sb.append('/').append(((String) o).replace("~", "~0").replace("/", "~1"));
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
