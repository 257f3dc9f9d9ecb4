package dev.waygate.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Mcp-Param-* headers: annotation rules, the header/body check (attacks refused, benign forms allowed), mirroring. */
class ParamHeadersTest {
    static JsonNode json(String s) throws Exception {
        return Json.parse(s);
    }

    static final String SCHEMA = """
            {"type":"object","properties":{
              "region":{"type":"string","x-mcp-header":"Region"},
              "limit":{"type":"integer","x-mcp-header":"Limit"},
              "dry":{"type":"boolean","x-mcp-header":"Dry"},
              "opts":{"type":"object","properties":{"tenant":{"type":"string","x-mcp-header":"Tenant"}}},
              "query":{"type":"string"}}}""";

    static void check(String args, Map<String, String> headers) throws Exception {
        Map<String, String> ci = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ci.putAll(headers);
        ParamHeaders.check(json(SCHEMA), json(args), ci::get);
    }

    @Test
    void invalidAnnotationsAreNamed() {
        Map<String, String> bad = Map.of(
                "number type", "{\"properties\":{\"n\":{\"type\":\"number\",\"x-mcp-header\":\"N\"}}}",
                "not a token", "{\"properties\":{\"n\":{\"type\":\"string\",\"x-mcp-header\":\"A B\"}}}",
                "empty", "{\"properties\":{\"n\":{\"type\":\"string\",\"x-mcp-header\":\"\"}}}",
                "crlf", "{\"properties\":{\"n\":{\"type\":\"string\",\"x-mcp-header\":\"A\\r\\nX-Evil: 1\"}}}",
                "duplicate", "{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"X\"},\"b\":{\"type\":\"string\",\"x-mcp-header\":\"x\"}}}",
                "inside items", "{\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"x-mcp-header\":\"X\"}}}}",
                "inside anyOf", "{\"anyOf\":[{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"X\"}}}]}");
        bad.forEach((why, schema) -> assertThatThrownBy(() -> ParamHeaders.declared(json(schema))).as(why)
                .isInstanceOf(IllegalArgumentException.class));
        assertThatCode(() -> assertThat(ParamHeaders.declared(json(SCHEMA))).hasSize(4)).doesNotThrowAnyException();
    }

    @Test
    void headersThatDisagreeWithTheBodyAreRefused() {
        String args = "{\"region\":\"eu\",\"limit\":10,\"dry\":true,\"opts\":{\"tenant\":\"t1\"}}";
        Map<String, String> good = Map.of("Mcp-Param-Region", "eu", "Mcp-Param-Limit", "10", "Mcp-Param-Dry", "true",
                "Mcp-Param-Tenant", "t1");
        for (String drop : good.keySet()) {
            Map<String, String> h = new HashMap<>(good);
            h.remove(drop);
            assertThatThrownBy(() -> check(args, h)).as("without " + drop).isInstanceOf(McpException.class)
                    .extracting(e -> ((McpException) e).code()).isEqualTo(ErrorCodes.HEADER_MISMATCH);
        }
        Map<String, Map<String, String>> attacks = Map.of(
                "other value", Map.of("Mcp-Param-Region", "us"),
                "case differs", Map.of("Mcp-Param-Region", "EU"),
                "boolean spelled", Map.of("Mcp-Param-Dry", "True"),
                "other number", Map.of("Mcp-Param-Limit", "11"),
                "not a number", Map.of("Mcp-Param-Limit", "ten"),
                "bad base64", Map.of("Mcp-Param-Region", "=?base64?@@@?="),
                "base64 of another value", Map.of("Mcp-Param-Region", "=?base64?dXM=?="),
                "control character", Map.of("Mcp-Param-Region", "e\u0001u"));
        attacks.forEach((why, override) -> {
            Map<String, String> h = new HashMap<>(good);
            h.putAll(override);
            assertThatThrownBy(() -> check(args, h)).as(why).isInstanceOf(McpException.class)
                    .extracting(e -> ((McpException) e).code()).isEqualTo(ErrorCodes.HEADER_MISMATCH);
        });
        assertThatThrownBy(() -> check("{\"region\":\"eu\"}", Map.of("Mcp-Param-Region", "eu", "Mcp-Param-Limit", "3")))
                .as("a header for an absent value").isInstanceOf(McpException.class);
    }

    @Test
    void benignFormsPass() throws Exception {
        check("{\"region\":\"eu\",\"limit\":10}", Map.of("mcp-param-region", "=?base64?ZXU=?=", "MCP-PARAM-LIMIT", "10.0"));
        check("{\"region\":null,\"query\":\"x\"}", Map.of());
        check("{}", Map.of());
        check("{\"region\":\" Zürich \"}", Map.of("Mcp-Param-Region", ParamHeaders.encode(" Zürich ")));
    }

    @Test
    void mirroredHeadersRoundTrip() throws Exception {
        JsonNode args = json("{\"region\":\"=?base64?x?=\",\"limit\":-7,\"dry\":false,\"opts\":{\"tenant\":\"ü\"}}");
        Map<String, String> h = ParamHeaders.headers(json(SCHEMA), args);
        assertThat(h).containsEntry("Mcp-Param-Limit", "-7").containsEntry("Mcp-Param-Dry", "false");
        assertThat(h.get("Mcp-Param-Region")).as("sentinel-shaped values are encoded").startsWith("=?base64?").isNotEqualTo("=?base64?x?=");
        Map<String, String> ci = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ci.putAll(h);
        ParamHeaders.check(json(SCHEMA), args, ci::get);
    }
}
