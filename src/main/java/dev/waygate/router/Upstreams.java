package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.pipeline.Call;
import dev.waygate.upstream.Upstream;
import dev.waygate.upstream.UpstreamEvents;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All upstream servers, and what the router does when they speak: re-reading their lists into the
 * catalog, forwarding notifications, and relaying their requests to the right client.
 */
final class Upstreams implements UpstreamEvents {
    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);
    /** A server listing more items than this is cut off (and reported): a hostile server must not exhaust memory. */
    static final int MAX_ITEMS = 10_000;

    private final Map<String, Upstream> byName = new LinkedHashMap<>();
    private final Catalog catalog;
    private final Consumer<ObjectNode> broadcast;
    private final Function<String, Optional<ClientSession>> sessions;
    private final Map<String, Refresh> refreshes = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Consumer<dev.waygate.audit.AuditEvent> audit = e -> { };

    Upstreams(GatewayConfig config, Catalog catalog, Consumer<ObjectNode> broadcast,
              Function<String, Optional<ClientSession>> sessions) {
        this.catalog = catalog;
        this.broadcast = broadcast;
        this.sessions = sessions;
        for (ServerConfig sc : config.servers().values()) {
            // A sandboxed server never sees the data directory (keys, audit journal), even inside a bound directory.
            byName.put(sc.name(), new Upstream(sc, config.file().getParent(), this, List.of(config.dataDir())));
        }
    }

    Map<String, Upstream> all() {
        return java.util.Collections.unmodifiableMap(byName);
    }

    Upstream get(String name) {
        return byName.get(name);
    }

    void start() {
        checkSandbox();
        byName.values().forEach(Upstream::start);
    }

    /** The start-time check: does bubblewrap work here? A sandboxed server is not started when it does not (fail closed). */
    private void checkSandbox() {
        List<ServerConfig> stdio = byName.values().stream().map(Upstream::config)
                .filter(c -> c.transport() == ServerConfig.Transport.STDIO).toList();
        stdio.stream().filter(c -> !c.sandbox().enabled()).forEach(c -> LOG.warn(
                "[{}] sandbox: none: runs unconfined with the gateway's rights (listed at /diagnostics/security)", c.name()));
        if (stdio.stream().noneMatch(c -> c.sandbox().enabled())) {
            return;
        }
        dev.waygate.sandbox.SandboxHost host = dev.waygate.sandbox.SandboxHost.get();
        if (host.problem().isPresent()) {
            LOG.error("sandbox unavailable: {}; sandboxed servers will not start", host.problem().get());
        } else {
            LOG.info("sandbox: bubblewrap works (checked in {} ms); cgroups: {}", host.checkMillis(), host.cgroups().description());
        }
    }

    void stop() {
        byName.values().forEach(Upstream::stop);
    }

    JsonNode setLogLevel(ObjectNode params) {
        for (Upstream u : byName.values()) {
            if (u.state() == Upstream.State.READY && u.hasCapability("logging")) {
                Thread.ofVirtual().start(() -> {
                    try {
                        u.request("logging/setLevel", params, Optional.empty());
                    } catch (McpException e) {
                        LOG.debug("[{}] logging/setLevel: {}", u.name(), e.getMessage());
                    }
                });
            }
        }
        return Json.object();
    }

    @Override
    public void ready(Upstream u) {
        refreshLater(u, List.of("tools", "prompts", "resources"));
    }

    void auditTo(Consumer<dev.waygate.audit.AuditEvent> audit) {
        this.audit = audit;
    }

    @Override
    public void limitExceeded(Upstream u, dev.waygate.sandbox.LimitBreach breach) {
        LOG.warn("[{}] {}: {}; killed", u.name(), breach.message(), breach.detail());
        try {
            audit.accept(dev.waygate.audit.Events.limitExceeded(u.name(), breach.limit(), breach.detail()));
        } catch (RuntimeException e) {
            LOG.warn("[{}] could not audit the limit breach: {}", u.name(), e.getMessage());
        }
    }

    @Override
    public void down(Upstream u, String reason) {
        // Its last lists stay in the catalog: a call then fails with "unavailable", naming the server.
    }

    @Override
    public void listChanged(Upstream u, String method) {
        refreshLater(u, List.of(method.split("/")[1]));
    }

    /**
     * Re-reads an upstream's lists on a virtual thread, then tells clients which lists changed.
     * Requests arriving while a refresh runs are coalesced into one more refresh (a server that
     * sends a burst of list_changed is read twice, not once per notification).
     */
    private void refreshLater(Upstream u, List<String> lists) {
        Refresh r = refreshes.computeIfAbsent(u.name(), n -> new Refresh());
        synchronized (r) {
            r.changed.addAll(lists);
            if (r.running) {
                r.again = true;
                return;
            }
            r.running = true;
        }
        Thread.ofVirtual().name("catalog-" + u.name()).start(() -> {
            while (true) {
                java.util.Set<String> changed;
                synchronized (r) {
                    r.again = false;
                    changed = new java.util.TreeSet<>(r.changed);
                    r.changed.clear();
                }
                refresh(u);
                changed.forEach(list -> broadcast.accept(JsonRpc.notification("notifications/" + list + "/list_changed", null)));
                synchronized (r) {
                    if (!r.again) {
                        r.running = false;
                        return;
                    }
                }
            }
        });
    }

    private static final class Refresh {
        final java.util.Set<String> changed = new java.util.HashSet<>();
        boolean running;
        boolean again;
    }

    @Override
    public void notification(Upstream u, ObjectNode n, Optional<Call.Scope> scope) {
        if (n.path("method").asText().equals("notifications/resources/updated")) {
            broadcast.accept(n);
        } else if (scope.isPresent()) {
            scope.get().channel().send(n);
        } else {
            LOG.debug("[{}] dropped unattributable {}", u.name(), n.path("method").asText());
        }
    }

    @Override
    public JsonNode serverRequest(Upstream u, String method, ObjectNode params, Optional<Call.Scope> scope) {
        String capability = switch (method) {
            case "sampling/createMessage" -> "sampling";
            case "elicitation/create" -> "elicitation";
            case "roots/list" -> "roots";
            default -> throw new McpException(ErrorCodes.METHOD_NOT_FOUND, "method not found: " + method);
        };
        Call.Scope s = scope.orElseThrow(() -> new McpException(ErrorCodes.INVALID_REQUEST,
                method + " is not tied to a call in progress from exactly one client; the gateway does not guess"));
        if (sessions.apply(s.sessionId()).isEmpty() || !s.clientSupports(capability)) {
            throw new McpException(ErrorCodes.METHOD_NOT_FOUND, "the client does not support " + capability);
        }
        return s.requestClient(method, params);
    }

    /** Re-reads an upstream's lists (all pages) into the catalog. */
    private void refresh(Upstream u) {
        try {
            ServerLists l = new ServerLists(
                    list(u, "tools", "tools/list", "tools"),
                    list(u, "prompts", "prompts/list", "prompts"),
                    list(u, "resources", "resources/list", "resources"),
                    list(u, "resources", "resources/templates/list", "resourceTemplates"));
            catalog.update(u.name(), l);
            LOG.info("[{}] {} tools, {} prompts, {} resources, {} templates", u.name(), l.tools().size(),
                    l.prompts().size(), l.resources().size(), l.templates().size());
        } catch (McpException e) {
            LOG.warn("[{}] could not read its lists: {}", u.name(), e.getMessage());
        }
    }

    private List<ObjectNode> list(Upstream u, String capability, String method, String field) {
        List<ObjectNode> out = new ArrayList<>();
        if (!u.hasCapability(capability)) {
            return out;
        }
        String cursor = null;
        do {
            ObjectNode params = Json.object();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode page;
            try {
                page = u.request(method, params, Optional.empty());
            } catch (McpException e) {
                if (e.code() == ErrorCodes.METHOD_NOT_FOUND) {
                    return out;
                }
                throw e;
            }
            for (JsonNode item : page.path(field)) {
                if (item.isObject() && out.size() < MAX_ITEMS) {
                    out.add((ObjectNode) item);
                }
            }
            String next = page.path("nextCursor").asText(null);
            cursor = next != null && !next.equals(cursor) && out.size() < MAX_ITEMS ? next : null;
        } while (cursor != null);
        return out;
    }
}
