package dev.waygate.pin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Finds tools that shadow each other across servers: the same upstream name on several servers,
 * and descriptions that name another server's tool. Linear in the text: descriptions are split into
 * name-like tokens once and the names looked up in a map.
 *
 * <p>A description refers to another server's tool when it contains that tool's exposed name
 * ({@code files__read_file}), or its bare upstream name when that name is distinctive (has a
 * {@code _}, {@code -} or {@code .} and at least 5 characters) and the describing server has no tool
 * of that name itself ("echo" in prose is a word, "send_email" is a tool).
 */
public final class Shadowing {
    private Shadowing() {}

    /**
     * @param toolsByServer every server's current tools
     * @param exposed       (server, upstream name) to the name clients see
     */
    public static List<Shadow> find(Map<String, List<ObjectNode>> toolsByServer, BiFunction<String, String, String> exposed) {
        Map<String, Set<String>> serversByName = new TreeMap<>();
        Map<String, String[]> byToken = new TreeMap<>(); // token -> {server, exposed name}
        toolsByServer.forEach((server, tools) -> tools.forEach(t -> {
            String name = t.path("name").asText("");
            if (!name.isEmpty()) {
                serversByName.computeIfAbsent(name, n -> new java.util.TreeSet<>()).add(server);
                String e = exposed.apply(server, name);
                byToken.put(e.toLowerCase(Locale.ROOT), new String[] {server, e});
            }
        }));
        List<Shadow> out = new ArrayList<>();
        serversByName.forEach((name, servers) -> {
            if (servers.size() > 1) {
                out.add(new Shadow(Shadow.SAME_NAME, name, List.copyOf(servers), ""));
            }
        });
        Map<String, Set<String>> distinctive = new TreeMap<>();
        serversByName.forEach((name, servers) -> {
            if (name.length() >= 5 && (name.contains("_") || name.contains("-") || name.contains("."))) {
                distinctive.put(name.toLowerCase(Locale.ROOT), servers);
            }
        });
        for (var entry : new TreeMap<>(toolsByServer).entrySet()) {
            String server = entry.getKey();
            for (ObjectNode t : entry.getValue()) {
                String name = t.path("name").asText("");
                Set<String> seen = new HashSet<>();
                for (String token : tokens(t.path("description").asText(""))) {
                    String[] owner = byToken.get(token);
                    if (owner != null && !owner[0].equals(server) && seen.add(owner[1].toLowerCase(Locale.ROOT))) {
                        out.add(new Shadow(Shadow.CROSS_REFERENCE, exposed.apply(server, name), List.of(server, owner[0]), owner[1]));
                    }
                    Set<String> owners = distinctive.get(token);
                    if (owners != null && !owners.contains(server)) {
                        for (String other : owners) {
                            String e = exposed.apply(other, originalName(toolsByServer.get(other), token));
                            if (seen.add(e.toLowerCase(Locale.ROOT))) {
                                out.add(new Shadow(Shadow.CROSS_REFERENCE, exposed.apply(server, name), List.of(server, other), e));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String originalName(List<ObjectNode> tools, String lower) {
        return tools.stream().map(t -> t.path("name").asText("")).filter(n -> n.toLowerCase(Locale.ROOT).equals(lower))
                .findFirst().orElse(lower);
    }

    /** Runs of tool-name characters, lower case, without trailing dots (end of a sentence). */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        String s = text.toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && !nameChar(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < s.length() && nameChar(s.charAt(i))) {
                i++;
            }
            int end = i;
            while (end > start && s.charAt(end - 1) == '.') {
                end--;
            }
            if (end > start) {
                out.add(s.substring(start, end));
            }
        }
        return out;
    }

    private static boolean nameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    }
}
