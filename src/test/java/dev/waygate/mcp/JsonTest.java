package dev.waygate.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two parsers must never disagree on a message: a repeated key anywhere is a parse error, never "last one wins". */
class JsonTest {
    private static final List<String> DUPLICATES = List.of(
            "{\"a\":1,\"a\":2}",
            "{\"a\":null,\"a\":1}",                                           // a null first value is still a value
            "{\"method\":\"ping\",\"method\":\"tools/call\"}",
            "{\"params\":{\"name\":\"read\",\"name\":\"delete\"}}",          // nested
            "{\"x\":[{\"ok\":1},{\"k\":1,\"k\":2}]}",                          // inside an array
            "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"c\":6}",               // past the first two keys
            "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1,\"e\":1}}}}}",               // deep, same value twice
            "{\"\\u0061\":1,\"a\":2}",                                        // the same key, escaped once
            "{\"a\":1,\"a\":{}}",
            "{\"a\":[],\"a\":[]}");

    private static final List<String> BENIGN = List.of(
            "{\"a\":1,\"b\":{\"a\":2}}",                                       // the same name in different objects
            "[{\"a\":1},{\"a\":2}]",
            "{\"a\":1,\"A\":2}",                                              // names are case-sensitive
            "{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8}",
            "{\"\":1,\" \":2}");

    @Test
    void aRepeatedKeyIsRefusedWhereverItIs() {
        for (String text : DUPLICATES) {
            assertThatThrownBy(() -> Json.parse(text)).as(text).isInstanceOf(JsonProcessingException.class);
            byte[] bytes = ("  " + text + "  ").getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> Json.parse(bytes, 2, bytes.length - 4)).as(text).isInstanceOf(JsonProcessingException.class);
        }
    }

    @Test
    void distinctKeysParse() throws Exception {
        for (String text : BENIGN) {
            assertThat(Json.write(Json.parse(text))).as(text).isEqualTo(text);
            assertThat(Json.write(Json.parse(text.getBytes(StandardCharsets.UTF_8)))).as(text).isEqualTo(text);
        }
    }

    @Test
    void nestingPastTheLimitIsRefused() throws Exception {
        String ok = "[".repeat(200) + "]".repeat(200);
        assertThat(Json.parse(ok).isArray()).isTrue();
        String deep = "[".repeat(300) + "]".repeat(300);
        assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(JsonProcessingException.class);
    }
}
