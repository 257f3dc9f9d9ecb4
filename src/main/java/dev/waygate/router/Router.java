package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.Version;
import dev.waygate.audit.Correlation;
import dev.waygate.auth.Principal;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.mcp.ProtocolVersions;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.Pipeline;
import dev.waygate.upstream.Upstream;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.Policy;
import dev.waygate.policy.PolicyQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP server the clients see: answers {@code initialize} and {@code ping} itself, serves the
 * aggregated lists, sends calls through the pipeline, and forwards what upstreams send back to the
 * client they belong to. Transport-independent: the fronts hand it parsed messages.
 */
public final class Router {
    /** The tool definition a tools/call was routed to, as clients list it (input schema for the guards). */
    public static final dev.waygate.pipeline.Fact<com.fasterxml.jackson.databind.node.ObjectNode> TOOL =
            dev.waygate.pipeline.Fact.of("tool", com.fasterxml.jackson.databind.node.ObjectNode.class);
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final GatewayConfig config;
    private final Catalog catalog;
    private final Upstreams upstreams;
    private final Pipeline pipeline;
    private final Supplier<Policy> policy;
    private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    /** Modern (2026-07-28) requests in flight: each has a short-lived session of its own, never named to the client. */
    private final Map<String, ClientSession> modern = new ConcurrentHashMap<>();
    private final Listeners listeners = new Listeners();
    private final Mrtr mrtr;
    /** resource URI → ids of the sessions subscribed to it. */
    private final Map<String, Set<String>> subscriptions = new ConcurrentHashMap<>();

    /**
     * @param beforeRoute stages that need no target (identification, audit)
     * @param afterRoute  stages that judge the routed call (policy, guards, rate limits, approval)
     * @param policy      the current policy: decides what lists show each principal
     */
    public Router(GatewayConfig config, List<Stage> beforeRoute, List<Stage> afterRoute, Supplier<Policy> policy) {
        this(config, beforeRoute, afterRoute, policy, dev.waygate.pin.ToolGate.OPEN);
    }

    /** @param pins reviews upstream tools before they are offered and holds back changed ones (tool pinning) */
    public Router(GatewayConfig config, List<Stage> beforeRoute, List<Stage> afterRoute, Supplier<Policy> policy,
                  dev.waygate.pin.ToolGate pins) {
        this.config = config;
        this.policy = policy;
        this.catalog = new Catalog(config, pins);
        // An approval brings a tool back without a new list from its server: rebuild, and tell the clients.
        pins.onChange(() -> {
            catalog.refresh();
            broadcast(JsonRpc.notification("notifications/tools/list_changed", null));
        });
        this.upstreams = new Upstreams(config, catalog, this::broadcast, this::sessionById);
        List<Stage> all = new ArrayList<>(beforeRoute);
        all.add(new RouteStage(catalog));
        all.addAll(afterRoute);
        all.add(new UpstreamStage(upstreams.all()));
        this.pipeline = new Pipeline(all);
        this.mrtr = new Mrtr(new dev.waygate.seal.Sealer(dev.waygate.seal.SealKey.loadOrCreate(config.dataDir())));
    }

    public void start() {
        upstreams.start();
    }

    public void stop() {
        sessions.values().forEach(ClientSession::close);
        upstreams.stop();
    }

    public Collection<Upstream> upstreams() {
        return upstreams.all().values();
    }

    /** Where events about upstreams that are not calls go (a sandbox limit exceeded): the audit journal. */
    public void auditUpstreamEvents(java.util.function.Consumer<dev.waygate.audit.AuditEvent> audit) {
        upstreams.auditTo(audit);
    }

    /** Problems found while aggregating lists (name clashes, invalid names). */
    public java.util.List<String> catalogProblems() {
        return catalog.view().problems();
    }

    public int toolCount() {
        return catalog.view().tools().size();
    }

    /** The aggregated tools with the server each comes from (for the admin API). */
    public com.fasterxml.jackson.databind.node.ArrayNode toolSummary() {
        var out = Json.MAPPER.createArrayNode();
        for (Entry e : catalog.view().tools()) {
            out.addObject().put("name", e.key()).put("server", e.server()).put("upstream_name", e.upstreamName())
                    .put("description", e.item().path("description").asText(""));
        }
        return out;
    }

    /** Tools per server in the current catalog. */
    public Map<String, Long> toolCounts() {
        Map<String, Long> m = new java.util.TreeMap<>();
        catalog.view().tools().forEach(e -> m.merge(e.server(), 1L, Long::sum));
        return m;
    }

    // ---- sessions

    /** Handles {@code initialize}: creates the session and negotiates the protocol version. */
    public ClientSession initialize(Principal principal, JsonNode params) {
        if (!params.path("protocolVersion").isTextual()) {
            throw McpException.invalidParams("initialize needs protocolVersion");
        }
        String version = ProtocolVersions.negotiate(params.get("protocolVersion").asText());
        ClientSession s = new ClientSession(principal, version, params.get("capabilities"), params.get("clientInfo"));
        sessions.put(s.id(), s);
        LOG.info("session {} opened by {} ({} {}), protocol {}", abbreviate(s.id()), principal.name(),
                dev.waygate.mcp.LogText.printable(s.clientInfo().path("name").asText("?")),
                dev.waygate.mcp.LogText.printable(s.clientInfo().path("version").asText("")), version);
        return s;
    }

    public ObjectNode initializeResult(ClientSession s) {
        ObjectNode r = Json.object().put("protocolVersion", s.protocolVersion());
        ObjectNode caps = r.putObject("capabilities");
        caps.putObject("tools").put("listChanged", true);
        caps.putObject("prompts").put("listChanged", true);
        caps.putObject("resources").put("subscribe", true).put("listChanged", true);
        caps.putObject("logging");
        caps.putObject("completions");
        r.putObject("serverInfo").put("name", "waygate").put("version", Version.VERSION);
        r.put("instructions", instructions());
        return r;
    }

    /** The session with this id if it belongs to this principal; another principal's session does not exist for the caller. */
    public Optional<ClientSession> session(String id, Principal principal) {
        ClientSession s = sessions.get(id);
        if (s == null || s.closed() || !s.principal().name().equals(principal.name())) {
            return Optional.empty();
        }
        s.touch();
        return Optional.of(s);
    }

    private Optional<ClientSession> sessionById(String id) {
        ClientSession s = sessions.get(id);
        if (s == null) {
            s = modern.get(id);
        }
        return s != null ? Optional.of(s) : mrtr.session(id);
    }

    // ---- modern (2026-07-28) requests

    /** The short-lived session of one modern request; {@link #release} it when the request is answered. */
    public ClientSession modernSession(Principal principal, dev.waygate.mcp.ModernMeta meta) {
        ClientSession s = new ClientSession(principal, meta.protocolVersion(), meta.clientCapabilities(), meta.clientInfo(), true);
        modern.put(s.id(), s);
        return s;
    }

    public void release(ClientSession s) {
        modern.remove(s.id());
    }

    /** {@code server/discover}: versions of both eras, the capabilities, who we are; the same for every caller. */
    public ObjectNode discover() {
        ObjectNode r = Json.object().put("resultType", "complete");
        var versions = r.putArray("supportedVersions");
        ProtocolVersions.ALL.forEach(versions::add);
        r.set("capabilities", initializeResult(new ClientSession(null, ProtocolVersions.MODERN_LATEST, null, null, true))
                .get("capabilities"));
        r.put("instructions", instructions());
        ModernResults.serverInfo(r);
        r.put("ttlMs", ModernResults.DISCOVER_TTL_MS).put("cacheScope", "public");
        return r;
    }

    /**
     * {@code subscriptions/listen}: registers the filter (resource URIs the caller may not see are left
     * out of what is acknowledged), sends the acknowledgement on {@code channel}, and returns the handle
     * to close when the stream ends.
     */
    public Listeners.Listener listen(ClientSession s, JsonNode id, JsonNode filter, ClientChannel channel) {
        ObjectNode honored = Json.object();
        for (String flag : List.of("toolsListChanged", "promptsListChanged", "resourcesListChanged")) {
            if (filter.path(flag).asBoolean(false)) {
                honored.put(flag, true);
            }
        }
        if (filter.path("resourceSubscriptions").isArray()) {
            var uris = honored.putArray("resourceSubscriptions");
            for (JsonNode u : filter.get("resourceSubscriptions")) {
                String uri = u.asText("");
                var server = catalog.resourceServer(uri);
                if (server.isEmpty() || !policy.get().visible(new PolicyQuery(s.principal(), CallKind.RESOURCE, server.get(), uri,
                        Json.object()))) {
                    continue;
                }
                Upstream up = upstreams.get(server.get());
                if (!up.modern() && up.hasCapability("resources") && up.initializeResult().path("capabilities").path("resources").path("subscribe").asBoolean()) {
                    try {
                        up.request("resources/subscribe", Json.object().put("uri", uri), Optional.empty());
                    } catch (McpException e) {
                        LOG.debug("[{}] resources/subscribe {}: {}", server.get(), uri, e.getMessage());
                    }
                }
                uris.add(uri);
            }
        }
        Listeners.Listener l = listeners.add(id, honored, channel);
        ObjectNode ack = Json.object();
        ack.putObject("_meta").set(dev.waygate.mcp.ModernMeta.SUBSCRIPTION_ID, id);
        ack.set("notifications", honored);
        channel.send(JsonRpc.notification("notifications/subscriptions/acknowledged", ack));
        return l;
    }

    private String instructions() {
        return "Waygate gateway: tools of several MCP servers, named SERVER" + config.separator() + "TOOL.";
    }

    public void endSession(ClientSession s) {
        sessions.remove(s.id());
        subscriptions.values().forEach(ids -> ids.remove(s.id()));
        s.close();
        LOG.info("session {} ended", abbreviate(s.id()));
    }

    /** Ends sessions unused for longer than the configured idle time. */
    public void expireIdle() {
        mrtr.expire();
        long limit = config.sessionIdle().toNanos();
        for (ClientSession s : sessions.values()) {
            if (s.idleNanos() > limit && s.inFlight.isEmpty()) {
                endSession(s);
            }
        }
    }

    /** Whether the server's tools, prompts and resources have been read into the catalog once. */
    public boolean listed(String server) {
        return catalog.listed(server);
    }

    public int sessionCount() {
        return sessions.size();
    }

    // ---- messages from clients

    /**
     * Handles one message from a client. Returns the response for a request, or empty for
     * notifications, responses, and requests the client cancelled (which get no response).
     */
    public Optional<JsonNode> handle(ClientSession s, JsonNode m, ClientChannel channel) {
        if (Correlation.current().isEmpty()) {
            return Correlation.with(Correlation.generate(), () -> handle(s, m, channel));
        }
        s.touch();
        if (JsonRpc.isResponse(m)) {
            var waiting = s.awaitingClient.get(m.get("id").asText());
            if (waiting != null) {
                waiting.complete(m);
            }
            return Optional.empty();
        }
        String method = m.get("method").asText();
        ObjectNode params = m.path("params").isObject() ? (ObjectNode) m.get("params") : Json.object();
        if (JsonRpc.isNotification(m)) {
            if (method.equals("notifications/cancelled")) {
                RequestScope scope = s.inFlight.get(params.path("requestId").asText());
                if (scope != null) {
                    scope.cancel();
                }
            }
            return Optional.empty();
        }
        JsonNode id = m.get("id");
        RequestScope scope = new RequestScope(s, channel);
        String key = id.asText();
        if (s.inFlight.putIfAbsent(key, scope) != null) {
            return Optional.of(JsonRpc.error(id, ErrorCodes.INVALID_REQUEST, "request id " + key + " is already in use", null));
        }
        try {
            JsonNode result = dispatch(s, method, params, scope);
            if (s.modern()) {
                result = ModernResults.complete(method, result);
            }
            return scope.cancelled() ? Optional.empty() : Optional.of(JsonRpc.result(id, result));
        } catch (McpException e) {
            return scope.cancelled() ? Optional.empty() : Optional.of(JsonRpc.error(id, e));
        } catch (RuntimeException e) {
            LOG.error("{} failed", method, e);
            return Optional.of(JsonRpc.error(id, ErrorCodes.INTERNAL_ERROR, "internal error", null));
        } finally {
            s.inFlight.remove(key, scope);
        }
    }

    private JsonNode dispatch(ClientSession s, String method, ObjectNode params, RequestScope scope) {
        Catalog.View v = catalog.view();
        if (method.equals("tools/list") && !v.heldTools().isEmpty() && catalog.gate().sync()) {
            v = catalog.view(); // an approval made by the CLI since the view was built
        }
        int pageSize = config.pageSize();
        if (s.modern()) {
            switch (method) {
                case "server/discover" -> {
                    return discover();
                }
                // ping and logging/setLevel are gone from 2026-07-28 (the draft schema has neither; the log level is per request).
                case "initialize", "resources/subscribe", "resources/unsubscribe", "subscriptions/listen", "ping", "logging/setLevel" ->
                        throw new McpException(ErrorCodes.METHOD_NOT_FOUND, "method not found: " + method
                                + (method.equals("subscriptions/listen") ? " (it needs Accept: text/event-stream)" : ""));
                default -> { }
            }
        }
        return switch (method) {
            case "ping" -> Json.object();
            case "initialize" -> throw new McpException(ErrorCodes.INVALID_REQUEST, "the session is already initialized");
            case "tools/list" -> Pages.page(visible(s, CallKind.TOOL, v.tools()), "tools", params, pageSize);
            case "prompts/list" -> Pages.page(visible(s, CallKind.PROMPT, v.prompts()), "prompts", params, pageSize);
            case "resources/list" -> Pages.page(visible(s, CallKind.RESOURCE, v.resources()), "resources", params, pageSize);
            case "resources/templates/list" -> Pages.page(visible(s, CallKind.RESOURCE, v.templates()), "resourceTemplates",
                    params, pageSize);
            case "tools/call" -> call(s, CallKind.TOOL, text(params, "name"), params, scope);
            case "prompts/get" -> call(s, CallKind.PROMPT, text(params, "name"), params, scope);
            case "resources/read" -> call(s, CallKind.RESOURCE, text(params, "uri"), params, scope);
            case "resources/subscribe", "resources/unsubscribe" -> subscribe(s, method, params, scope);
            case "completion/complete" -> complete(s, params, scope);
            case "logging/setLevel" -> upstreams.setLogLevel(params);
            default -> throw new McpException(ErrorCodes.METHOD_NOT_FOUND, "method not found: " + method);
        };
    }

    /** What the principal may use: lists never show a target the policy would refuse outright. */
    private List<Entry> visible(ClientSession s, CallKind kind, List<Entry> entries) {
        Policy p = policy.get();
        return entries.stream().filter(e -> p.visible(new PolicyQuery(s.principal(), kind, e.server(), e.key(), Json.object())))
                .toList();
    }

    /**
     * The policy decision a modern request's {@code Mcp-Method}/{@code Mcp-Name} headers allow before
     * its body is parsed: a target the principal may not use at all is refused from the headers
     * alone (the body is then checked to say the same, so header and body cannot be played against
     * each other). Empty when the headers name no known target or the policy may allow it; the full
     * decision, with arguments, is still made in the pipeline.
     */
    public Optional<McpException> precheck(Principal principal, String method, String name) {
        Catalog.View v = catalog.view();
        Optional<String> server;
        CallKind kind;
        switch (method) {
            case "tools/call" -> {
                kind = CallKind.TOOL;
                server = Optional.ofNullable(v.toolsByName().get(name)).map(Entry::server);
            }
            case "prompts/get" -> {
                kind = CallKind.PROMPT;
                server = Optional.ofNullable(v.promptsByName().get(name)).map(Entry::server);
            }
            case "resources/read" -> {
                kind = CallKind.RESOURCE;
                server = catalog.resourceServer(name);
            }
            default -> {
                return Optional.empty();
            }
        }
        if (server.isEmpty()) {
            return Optional.empty();
        }
        try {
            ClientSession who = new ClientSession(principal, ProtocolVersions.MODERN_LATEST, null, null, true);
            requireVisible(who, kind, server.get(), name);
            return Optional.empty();
        } catch (McpException e) {
            return Optional.of(e);
        }
    }

    /** The input schema of a tool as clients see it (its {@code x-mcp-header} annotations name the Mcp-Param headers). */
    public Optional<JsonNode> toolInputSchema(String name) {
        return Optional.ofNullable(catalog.view().toolsByName().get(name)).map(e -> e.item().path("inputSchema"))
                .filter(JsonNode::isObject);
    }

    /** Cancels what a modern request's session has in flight (its response stream was closed: that is the cancellation). */
    public void cancel(ClientSession s) {
        s.inFlight.values().forEach(RequestScope::cancel);
    }

    /** Subscriptions and completions reveal a target: they need the same visibility as listing it, and a refusal names the rule. */
    private void requireVisible(ClientSession s, CallKind kind, String server, String name) {
        PolicyQuery q = new PolicyQuery(s.principal(), kind, server, name, Json.object());
        Policy p = policy.get();
        if (!p.visible(q)) {
            var d = p.decide(q);
            var e = new dev.waygate.pipeline.DeniedException(new dev.waygate.pipeline.Decision(false, d.reasonCode(), d.rule(), false),
                    d.rule().equals(dev.waygate.policy.PolicyDecision.DEFAULT_RULE) ? "denied by policy: no rule allows " + name
                            : "denied by policy rule '" + d.rule() + "'");
            e.data().ifPresent(data -> ((ObjectNode) data).put("rule", d.rule()));
            throw e;
        }
    }

    private JsonNode call(ClientSession s, CallKind kind, String name, ObjectNode params, RequestScope scope) {
        if (kind == CallKind.TOOL && params.has("arguments") && !params.get("arguments").isObject()) {
            throw McpException.invalidParams("arguments must be an object");
        }
        if (s.modern()) {
            String method = switch (kind) {
                case TOOL -> "tools/call";
                case PROMPT -> "prompts/get";
                default -> "resources/read";
            };
            java.util.function.Function<ObjectNode, JsonNode> run = p -> pipeline.execute(
                    new Call(kind, name, p, Optional.of(s.principal()), scope, Optional.empty()));
            String state = params.path("requestState").asText("");
            if (state.startsWith(dev.waygate.approval.ApprovalStage.STATE_PREFIX)) {
                // The approval gate's own state: the gate checks it; nothing is held for it here.
                ObjectNode forwarded = dev.waygate.mcp.ModernMeta.forwardable(params).put("requestState", state);
                return mrtr.start(method, name, scope, () -> run.apply(forwarded));
            }
            if (params.has("requestState")) {
                return mrtr.resume(method, name, params, scope, run);
            }
            ObjectNode forwarded = dev.waygate.mcp.ModernMeta.forwardable(params);
            return mrtr.start(method, name, scope, () -> run.apply(forwarded));
        }
        Call call = new Call(kind, name, params, Optional.of(s.principal()), scope, Optional.empty());
        return pipeline.execute(call);
    }

    /**
     * A tool call made over REST ({@code POST /mcp/execute}) by an authenticated principal: the same
     * pipeline as {@code tools/call} from a session, so it is judged, limited and audited alike.
     *
     * @param cancel receives an action that cancels the call (when the HTTP client goes away)
     * @throws McpException as {@code tools/call} would answer with a JSON-RPC error
     */
    public JsonNode execute(Principal principal, String tool, ObjectNode arguments,
                            java.util.function.Consumer<Runnable> cancel) {
        if (Correlation.current().isEmpty()) {
            return Correlation.with(Correlation.generate(), () -> execute(principal, tool, arguments, cancel));
        }
        RestScope scope = new RestScope("rest-" + Correlation.current().orElseThrow());
        cancel.accept(scope::cancel);
        ObjectNode params = Json.object().put("name", tool);
        params.set("arguments", arguments);
        return pipeline.execute(new Call(CallKind.TOOL, tool, params, Optional.of(principal), scope, Optional.empty()));
    }

    private JsonNode subscribe(ClientSession s, String method, ObjectNode params, RequestScope scope) {
        String uri = text(params, "uri");
        String server = catalog.resourceServer(uri)
                .orElseThrow(() -> new McpException(ErrorCodes.RESOURCE_NOT_FOUND, "resource not found: " + uri));
        requireVisible(s, CallKind.RESOURCE, server, uri);
        Set<String> ids = subscriptions.computeIfAbsent(uri, u -> ConcurrentHashMap.newKeySet());
        if (method.equals("resources/subscribe")) {
            ids.add(s.id());
        } else {
            ids.remove(s.id());
        }
        return upstreams.get(server).request(method, params, Optional.of(scope));
    }

    private JsonNode complete(ClientSession s, ObjectNode params, RequestScope scope) {
        JsonNode ref = params.path("ref");
        ObjectNode forwarded = params.deepCopy();
        String server;
        switch (ref.path("type").asText()) {
            case "ref/prompt" -> {
                Entry e = catalog.view().promptsByName().get(ref.path("name").asText());
                if (e == null) {
                    throw McpException.invalidParams("unknown prompt: " + ref.path("name").asText());
                }
                server = e.server();
                requireVisible(s, CallKind.PROMPT, server, e.key());
                ((ObjectNode) forwarded.get("ref")).put("name", e.upstreamName());
            }
            case "ref/resource" -> {
                server = catalog.resourceServer(ref.path("uri").asText())
                        .orElseThrow(() -> McpException.invalidParams("unknown resource: " + ref.path("uri").asText()));
                requireVisible(s, CallKind.RESOURCE, server, ref.path("uri").asText());
            }
            default -> throw McpException.invalidParams("ref.type must be ref/prompt or ref/resource");
        }
        return upstreams.get(server).request("completion/complete", forwarded, Optional.of(scope));
    }

    private static String text(ObjectNode params, String field) {
        JsonNode n = params.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw McpException.invalidParams(field + " must be a non-empty string");
        }
        return n.asText();
    }

    // ---- messages to clients

    /**
     * A new policy is in force: what each client may see can have changed, so every session is told
     * to list tools, prompts and resources again.
     */
    public void policyChanged() {
        for (String kind : List.of("tools", "prompts", "resources")) {
            broadcast(JsonRpc.notification("notifications/" + kind + "/list_changed", Json.object()));
        }
    }

    /** Sends a notification not tied to any request to every session (list changes), or to subscribers of a resource. */
    private void broadcast(ObjectNode notification) {
        listeners.deliver(notification);
        if (notification.path("method").asText().equals("notifications/resources/updated")) {
            Set<String> ids = subscriptions.getOrDefault(notification.path("params").path("uri").asText(), Set.of());
            ids.forEach(id -> sessionById(id).ifPresent(s -> s.standalone().send(notification)));
            return;
        }
        sessions.values().forEach(s -> s.standalone().send(notification));
    }

    /** Calls of modern clients waiting for their input (for status and tests). */
    public int heldContinuations() {
        return mrtr.held();
    }

    static String abbreviate(String id) {
        return id.length() <= 8 ? id : id.substring(0, 8) + "…";
    }
}
