package dev.waygate.front;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.McpException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Mcp-Method/Mcp-Name checks: attacks that play header against body are refused, honest requests pass. */
class McpHeadersTest {
    static JsonNode call(String method, String field, String value) throws Exception {
        return Json.parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":{\"" + field + "\":"
                + Json.MAPPER.writeValueAsString(value) + "}}");
    }

    static String b64(String s) {
        return "=?base64?" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    static Optional<McpHeaders> h(String method, String name) {
        return Optional.of(new McpHeaders(method, Optional.ofNullable(name)));
    }

    @Test
    void honestRequestsPass() throws Exception {
        McpHeaders.check(h("tools/call", "srv__echo"), call("tools/call", "name", "srv__echo"));
        McpHeaders.check(h("resources/read", "file:///a b"), call("resources/read", "uri", "file:///a b"));
        McpHeaders.check(h("prompts/get", b64("grüße")), call("prompts/get", "name", "grüße"));
        McpHeaders.check(h("tools/call", b64("=?base64?x?=")), call("tools/call", "name", "=?base64?x?="));
        McpHeaders.check(h("tools/list", null), call("tools/list", "cursor", "abc"));
        // notifications: no header rules in 2026-07-28
        McpHeaders.check(Optional.empty(), Json.parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}"));
    }

    @Test
    void headerAndBodyPlayedAgainstEachOtherAreRefused() throws Exception {
        JsonNode body = call("tools/call", "name", "srv__delete_all");
        for (Optional<McpHeaders> bad : java.util.List.of(
                Optional.<McpHeaders>empty(),                    // no Mcp-Method at all
                h("tools/call", null),                           // no Mcp-Name for a named method
                h("tools/call", "srv__echo"),                    // allowed name in the header, another in the body
                h("tools/list", "srv__delete_all"),              // another method
                h("Tools/call", "srv__delete_all"),              // values are case-sensitive
                h("tools/call", "srv__delete_all "),             // trailing space
                h("tools/call", b64("srv__echo")),               // encoded other name
                h("tools/call", "=?base64?!!!?="),               // not base64
                h("tools/call", "=?base64?" + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe}) + "?="),
                h("tools/call", "srv__delete_all\u0000"),        // control character
                h("tools/call", "srv__delëte_all"))) {           // raw non-ASCII must be encoded
            assertThatThrownBy(() -> McpHeaders.check(bad, body)).as(String.valueOf(bad))
                    .isInstanceOf(McpException.class)
                    .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(ErrorCodes.HEADER_MISMATCH));
        }
    }

    @Test
    void aNameTooShortForTheSentinelIsTakenLiterally() {
        assertThat(McpHeaders.decode("=?base64??=")).isEqualTo("=?base64??=");
        assertThat(McpHeaders.decode("plain")).isEqualTo("plain");
    }
}
