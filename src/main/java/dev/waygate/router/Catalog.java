package dev.waygate.router;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.LogText;
import dev.waygate.pin.ToolGate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregated tools, prompts, resources and templates of all upstreams, namespaced and sorted.
 * Rebuilt (copy on write) when an upstream's lists change; read without locks.
 *
 * <p>Precedence: none. A name (or URI) offered by two servers is offered by neither and reported
 * in {@link View#problems()}: silently letting one shadow the other would route calls to the wrong
 * server.
 */
final class Catalog {
    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);
    /** MCP 2025-11-25, tool names: 1 to 128 characters of A-Z a-z 0-9 _ - . */
    static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,128}");

    record TemplateRoute(com.google.re2j.Pattern pattern, String server) {}

    /** A tool that tool pinning holds back: not listed, and a call to it is refused with the hold's reason. */
    record Held(Entry entry, ToolGate.Hold hold) {}

    record View(List<Entry> tools, Map<String, Entry> toolsByName, List<Entry> prompts, Map<String, Entry> promptsByName,
                List<Entry> resources, Map<String, Entry> resourcesByUri, List<Entry> templates,
                List<TemplateRoute> templateRoutes, List<String> problems, Map<String, Held> heldTools) {
        static final View EMPTY = new View(List.of(), Map.of(), List.of(), Map.of(), List.of(), Map.of(), List.of(),
                List.of(), List.of(), Map.of());
    }

    private final GatewayConfig config;
    private final ToolGate gate;
    private final Map<String, ServerLists> lists = new ConcurrentHashMap<>();
    private volatile View view = View.EMPTY;

    Catalog(GatewayConfig config) {
        this(config, ToolGate.OPEN);
    }

    /** @param gate reviews each server's tools before they are offered, and holds back those it must (pinning) */
    Catalog(GatewayConfig config, ToolGate gate) {
        this.config = config;
        this.gate = gate;
    }

    ToolGate gate() {
        return gate;
    }

    /** Whether this server's lists have been read at least once (its tools can be called). */
    boolean listed(String server) {
        return lists.containsKey(server);
    }

    View view() {
        return view;
    }

    /** A server's fresh lists: its tools are reviewed (pinned, held) before any client can see them. */
    synchronized void update(String server, ServerLists l) {
        gate.review(server, l.tools());
        lists.put(server, l);
        Map<String, List<ObjectNode>> tools = new TreeMap<>();
        lists.forEach((name, sl) -> {
            if (config.servers().containsKey(name)) {
                tools.put(name, sl.tools());
            }
        });
        gate.crossCheck(tools);
        rebuild();
    }

    /** Rebuilds the view with the same lists (holds changed: a tool was approved). */
    synchronized void refresh() {
        rebuild();
    }

    synchronized void remove(String server) {
        if (lists.remove(server) != null) {
            rebuild();
        }
    }

    private void rebuild() {
        List<String> problems = new ArrayList<>();
        List<Entry> offered = named("tool", ServerLists::tools, true, problems);
        List<Entry> tools = new ArrayList<>(offered.size());
        Map<String, Held> held = new HashMap<>();
        for (Entry e : offered) {
            gate.hold(e.server(), e.upstreamName()).ifPresentOrElse(h -> held.put(e.key(), new Held(e, h)), () -> tools.add(e));
        }
        List<Entry> prompts = named("prompt", ServerLists::prompts, false, problems);
        List<Entry> resources = keyed("resource", ServerLists::resources, "uri", problems);
        List<Entry> templates = keyed("resource template", ServerLists::templates, "uriTemplate", problems);
        List<TemplateRoute> routes = new ArrayList<>();
        for (Entry e : templates) {
            UriTemplates.compile(e.key()).ifPresentOrElse(p -> routes.add(new TemplateRoute(p, e.server())),
                    () -> problems.add("resource template of server '" + e.server() + "' is too long to route"));
        }
        problems.forEach(p -> LOG.warn("catalog: {}", p));
        view = new View(List.copyOf(tools), index(tools), prompts, index(prompts), resources, index(resources), templates,
                List.copyOf(routes), List.copyOf(problems), Map.copyOf(held));
    }

    private List<Entry> named(String what, Function<ServerLists, List<ObjectNode>> pick, boolean checkToolName,
                              List<String> problems) {
        Map<String, List<Entry>> byKey = new TreeMap<>();
        for (String server : new TreeMap<>(lists).keySet()) {
            ServerConfig sc = config.servers().get(server);
            if (sc == null) {
                continue;
            }
            for (ObjectNode item : pick.apply(lists.get(server))) {
                String name = item.path("name").asText("");
                String exposed = config.exposedName(sc, name);
                if (name.isEmpty() || (checkToolName && !TOOL_NAME.matcher(exposed).matches())) {
                    problems.add(what + " '" + LogText.printable(exposed) + "' of server '" + server
                            + "' is not offered: its name is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .)");
                    continue;
                }
                ObjectNode copy = item.deepCopy().put("name", exposed);
                byKey.computeIfAbsent(exposed, k -> new ArrayList<>()).add(new Entry(exposed, server, name, copy));
            }
        }
        return unique(what, byKey, problems);
    }

    private List<Entry> keyed(String what, Function<ServerLists, List<ObjectNode>> pick, String field, List<String> problems) {
        Map<String, List<Entry>> byKey = new TreeMap<>();
        for (String server : new TreeMap<>(lists).keySet()) {
            for (ObjectNode item : pick.apply(lists.get(server))) {
                String key = item.path(field).asText("");
                if (!key.isEmpty()) {
                    byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(new Entry(key, server, key, item));
                }
            }
        }
        return unique(what, byKey, problems);
    }

    private static List<Entry> unique(String what, Map<String, List<Entry>> byKey, List<String> problems) {
        List<Entry> out = new ArrayList<>();
        byKey.forEach((key, entries) -> {
            if (entries.size() == 1) {
                out.add(entries.getFirst());
            } else {
                problems.add(what + " '" + LogText.printable(key) + "' is offered by several servers ("
                        + String.join(", ", entries.stream().map(Entry::server).distinct().toList())
                        + ") and is not offered at all: give the servers distinct prefixes");
            }
        });
        out.sort(Comparator.comparing(Entry::key));
        return List.copyOf(out);
    }

    private static Map<String, Entry> index(List<Entry> entries) {
        Map<String, Entry> m = new HashMap<>();
        entries.forEach(e -> m.put(e.key(), e));
        return Map.copyOf(m);
    }

    /** The server that serves this URI: a listed resource first, else the one template that matches. */
    Optional<String> resourceServer(String uri) {
        View v = view;
        Entry e = v.resourcesByUri().get(uri);
        if (e != null) {
            return Optional.of(e.server());
        }
        List<String> servers = v.templateRoutes().stream().filter(r -> r.pattern().matcher(uri).matches())
                .map(TemplateRoute::server).distinct().toList();
        return servers.size() == 1 ? Optional.of(servers.getFirst()) : Optional.empty();
    }
}
