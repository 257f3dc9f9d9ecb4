package dev.waygate.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.mcp.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Same shape: same keys and value types, whatever the values and key order. */
class ArgumentShapeTest {
    @ParameterizedTest(name = "{0} ~ {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"a":"x"}                 | {"a":"y"}                  | true
            {"a":"x","b":1}           | {"b":2,"a":"z"}            | true
            {"a":[1,2]}               | {"a":[3]}                  | true
            {"a":{"b":"c"}}           | {"a":{"b":"d"}}            | true
            {"a":"x"}                 | {"a":1}                    | false
            {"a":"x"}                 | {"a":"x","b":"y"}          | false
            {"a":"x"}                 | {"b":"x"}                  | false
            {"a":{"b":"c"}}           | {"a":{"b":1}}              | false
            {"a":[1]}                 | {"a":["1"]}                | false
            {"ab":"x"}                | {"a":"x","b":"x"}          | false
            {"a=s,":"x"}              | {"a":"x"}                  | false
            """)
    void shapes(String a, String b, boolean same) throws Exception {
        assertThat(ArgumentShape.of(Json.parse(a)).equals(ArgumentShape.of(Json.parse(b)))).isEqualTo(same);
    }
}
