package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Decision;
import dev.waygate.pipeline.DeniedException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.pipeline.Stage;

/**
 * Resolves the name a client used to the upstream that serves it. An unknown tool or prompt is
 * invalid params (as the spec says), an unknown resource is "resource not found"; neither reaches
 * any upstream. A tool quarantined by pinning is refused with {@link ErrorCodes#TOOL_QUARANTINED}.
 */
final class RouteStage implements Stage {
    private final Catalog catalog;

    RouteStage(Catalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        Catalog.View v = catalog.view();
        Call.Route route = switch (call.kind()) {
            case TOOL -> route(offered(v, call.name()), "unknown_tool", "unknown tool: " + call.name());
            case PROMPT -> route(v.promptsByName().get(call.name()), "unknown_prompt", "unknown prompt: " + call.name());
            case RESOURCE -> new Call.Route(catalog.resourceServer(call.name()).orElseThrow(
                    () -> new NotRoutedException(ErrorCodes.RESOURCE_NOT_FOUND, "unknown_resource",
                            "resource not found: " + call.name())), call.name());
        };
        Call routed = call.withRoute(route);
        if (call.kind() == dev.waygate.pipeline.CallKind.TOOL) {
            routed = routed.with(Router.TOOL, v.toolsByName().get(call.name()).item());
        }
        return chain.proceed(routed);
    }

    /**
     * The tool if it is offered. A tool held by pinning is refused with its own error, after a
     * look for an approval made elsewhere (the CLI) since the catalog was built.
     */
    private Entry offered(Catalog.View v, String name) {
        Entry e = v.toolsByName().get(name);
        Catalog.Held held = e == null ? v.heldTools().get(name) : null;
        if (held == null) {
            return e;
        }
        // The pins themselves, not the view: an approval (by the CLI, or one that another thread is
        // still publishing) counts from the moment it is made.
        catalog.gate().sync();
        var live = catalog.gate().hold(held.entry().server(), held.entry().upstreamName());
        if (live.isEmpty()) {
            return held.entry();
        }
        throw quarantined(name, new Catalog.Held(held.entry(), live.get()));
    }

    static DeniedException quarantined(String name, Catalog.Held held) {
        DeniedException e = new DeniedException(ErrorCodes.TOOL_QUARANTINED, Decision.deny(held.hold().reasonCode()),
                "tool " + name + " is quarantined: " + held.hold().message() + "; an admin must approve it "
                        + "(waygate tools approve " + name + ", or POST /tools/pins/" + name + "/approve)");
        e.data().ifPresent(d -> ((ObjectNode) d).put("server", held.entry().server()).put("tool", name));
        return e;
    }

    private static Call.Route route(Entry e, String reason, String unknown) {
        if (e == null) {
            throw new NotRoutedException(ErrorCodes.INVALID_PARAMS, reason, unknown);
        }
        return new Call.Route(e.server(), e.upstreamName());
    }
}
