package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.ModernMeta;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open {@code subscriptions/listen} streams of modern clients. A stream gets only the notification
 * types its filter asked for (spec: the server MUST NOT send others), each tagged with the
 * subscription id.
 */
public final class Listeners {
    private final Set<Listener> open = ConcurrentHashMap.newKeySet();

    /** One listen stream; close it when the stream ends. */
    public final class Listener implements AutoCloseable {
        private final JsonNode id;
        private final JsonNode filter;
        private final ClientChannel channel;

        private Listener(JsonNode id, JsonNode filter, ClientChannel channel) {
            this.id = id;
            this.filter = filter;
            this.channel = channel;
        }

        boolean wants(ObjectNode n) {
            return switch (n.path("method").asText()) {
                case "notifications/tools/list_changed" -> filter.path("toolsListChanged").asBoolean(false);
                case "notifications/prompts/list_changed" -> filter.path("promptsListChanged").asBoolean(false);
                case "notifications/resources/list_changed" -> filter.path("resourcesListChanged").asBoolean(false);
                case "notifications/resources/updated" -> {
                    String uri = n.path("params").path("uri").asText();
                    for (JsonNode u : filter.path("resourceSubscriptions")) {
                        if (u.asText().equals(uri)) {
                            yield true;
                        }
                    }
                    yield false;
                }
                default -> false;
            };
        }

        void send(ObjectNode n) {
            ObjectNode tagged = n.deepCopy();
            ObjectNode params = tagged.get("params") instanceof ObjectNode p ? p : tagged.putObject("params");
            ObjectNode meta = params.get("_meta") instanceof ObjectNode m ? m : params.putObject("_meta");
            meta.set(ModernMeta.SUBSCRIPTION_ID, id);
            if (!channel.send(tagged)) {
                close();
            }
        }

        /** The graceful end of the subscription (the response to the listen request). */
        public ObjectNode closingResult() {
            ObjectNode r = dev.waygate.mcp.Json.object().put("resultType", "complete");
            r.putObject("_meta").set(ModernMeta.SUBSCRIPTION_ID, id);
            return r;
        }

        @Override
        public void close() {
            open.remove(this);
        }
    }

    Listener add(JsonNode id, JsonNode filter, ClientChannel channel) {
        Listener l = new Listener(id, filter, channel);
        open.add(l);
        return l;
    }

    void deliver(ObjectNode notification) {
        for (Listener l : open) {
            if (l.wants(notification)) {
                l.send(notification);
            }
        }
    }
}
