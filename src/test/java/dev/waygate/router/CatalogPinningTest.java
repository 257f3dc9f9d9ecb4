package dev.waygate.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.pin.ToolGate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The catalog asks the gate before offering tools: held tools are neither listed nor routed. */
class CatalogPinningTest {
    final Set<String> heldNames = ConcurrentHashMap.newKeySet();
    final List<String> reviewed = new ArrayList<>();
    final ToolGate gate = new ToolGate() {
        @Override
        public void review(String server, List<ObjectNode> tools) {
            tools.forEach(t -> reviewed.add(server + "/" + t.path("name").asText()));
        }

        @Override
        public Optional<Hold> hold(String server, String tool) {
            return heldNames.contains(tool) ? Optional.of(new Hold("tool_definition_changed", "changed")) : Optional.empty();
        }

        @Override
        public void crossCheck(Map<String, List<ObjectNode>> toolsByServer) {}

        @Override
        public boolean sync() {
            return false;
        }

        @Override
        public void onChange(Runnable listener) {}
    };

    static ServerLists tools(String... names) {
        List<ObjectNode> l = new ArrayList<>();
        for (String n : names) {
            l.add(Json.object().put("name", n));
        }
        return new ServerLists(l, List.of(), List.of(), List.of());
    }

    @Test
    void aHeldToolIsReviewedFirstThenNeitherListedNorRoutableAndComesBackOnRefresh() {
        Catalog c = new Catalog(CatalogTest.config("__", CatalogTest.server("files", "files")), gate);
        heldNames.add("write");
        c.update("files", tools("read", "write"));
        assertThat(reviewed).containsExactly("files/read", "files/write");
        assertThat(c.view().tools()).extracting(Entry::key).containsExactly("files__read");
        assertThat(c.view().toolsByName()).doesNotContainKey("files__write");
        assertThat(c.view().heldTools()).containsOnlyKeys("files__write");

        var e = RouteStage.quarantined("files__write", c.view().heldTools().get("files__write"));
        assertThat(e.code()).isEqualTo(ErrorCodes.TOOL_QUARANTINED).isEqualTo(-32041);
        assertThat(e.decision().reasonCode()).isEqualTo("tool_definition_changed");
        assertThat(e.data().orElseThrow().toString())
                .isEqualTo("{\"reason\":\"tool_definition_changed\",\"server\":\"files\",\"tool\":\"files__write\"}");

        heldNames.clear();
        c.refresh();
        assertThat(c.view().tools()).extracting(Entry::key).containsExactly("files__read", "files__write");
        assertThat(c.view().heldTools()).isEmpty();
    }
}
