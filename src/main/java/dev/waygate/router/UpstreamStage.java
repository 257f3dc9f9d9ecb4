package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.pipeline.Chain;
import dev.waygate.pipeline.Stage;
import dev.waygate.upstream.Upstream;
import java.util.Map;
import java.util.Optional;

/** The terminal stage: sends the routed call to its upstream under the upstream's own name. */
final class UpstreamStage implements Stage {
    private final Map<String, Upstream> upstreams;

    UpstreamStage(Map<String, Upstream> upstreams) {
        this.upstreams = upstreams;
    }

    @Override
    public JsonNode handle(Call call, Chain chain) {
        Call.Route route = call.route().orElseThrow(() -> new IllegalStateException("call was not routed"));
        Upstream upstream = upstreams.get(route.server());
        if (upstream == null) {
            throw new IllegalStateException("no upstream named " + route.server());
        }
        // A shallow copy: only the top-level name changes. The arguments are shared with the call's
        // params, which nothing changes (Upstream copies before adding its own _meta or progress token).
        ObjectNode params = call.params().objectNode();
        params.setAll(call.params());
        params.put(call.kind() == CallKind.RESOURCE ? "uri" : "name", route.upstreamName());
        return upstream.request(call.kind().method(), params, Optional.of(call.scope()));
    }
}
