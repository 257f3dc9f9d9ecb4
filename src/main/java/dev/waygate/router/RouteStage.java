package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Stage;

/**
 * Resolves the name a client used to the upstream that serves it. An unknown tool or prompt is
 * invalid params (as the spec says), an unknown resource is "resource not found"; neither reaches
 * any upstream.
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
            case TOOL -> route(v.toolsByName().get(call.name()), "unknown_tool", "unknown tool: " + call.name());
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

    private static Call.Route route(Entry e, String reason, String unknown) {
        if (e == null) {
            throw new NotRoutedException(ErrorCodes.INVALID_PARAMS, reason, unknown);
        }
        return new Call.Route(e.server(), e.upstreamName());
    }
}
