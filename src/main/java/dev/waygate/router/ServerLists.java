package dev.waygate.router;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** What one upstream listed the last time it was asked. */
record ServerLists(List<ObjectNode> tools, List<ObjectNode> prompts, List<ObjectNode> resources, List<ObjectNode> templates) {
    static final ServerLists EMPTY = new ServerLists(List.of(), List.of(), List.of(), List.of());
}
