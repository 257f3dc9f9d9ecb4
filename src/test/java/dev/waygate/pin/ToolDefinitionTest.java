package dev.waygate.pin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.mcp.Json;
import org.junit.jupiter.api.Test;

class ToolDefinitionTest {
    @Test
    void keyOrderAndWhiteSpaceDoNotChangeTheHash() throws Exception {
        var a = ToolDefinition.of(Json.parse("{\"name\":\"t\",\"description\":\"d\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\"},\"y\":{}}}}"));
        var b = ToolDefinition.of(Json.parse("{ \"inputSchema\" : {\"properties\":{\"y\":{},\"x\":{\"type\":\"string\"}},\"type\":\"object\"},\n \"description\":\"d\", \"name\":\"t\"}"));
        assertThat(a.hash()).isEqualTo(b.hash()).hasSize(64);
    }

    @Test
    void everyPinnedFieldChangesTheHashAndMetaDoesNot() throws Exception {
        String base = "{\"name\":\"t\",\"description\":\"d\",\"inputSchema\":{\"type\":\"object\"}";
        String h = ToolDefinition.of(Json.parse(base + "}")).hash();
        assertThat(ToolDefinition.of(Json.parse(base + ",\"_meta\":{\"x\":1},\"icons\":[]}")).hash()).isEqualTo(h);
        for (String change : new String[] {
                "{\"name\":\"t\",\"description\":\"d \",\"inputSchema\":{\"type\":\"object\"}}",
                "{\"name\":\"t\",\"description\":\"d\",\"inputSchema\":{\"type\":\"object\",\"required\":[]}}",
                base + ",\"title\":\"T\"}",
                base + ",\"outputSchema\":{\"type\":\"object\"}}",
                base + ",\"annotations\":{\"destructiveHint\":true}}"}) {
            assertThat(ToolDefinition.of(Json.parse(change)).hash()).as(change).isNotEqualTo(h);
        }
    }
}
