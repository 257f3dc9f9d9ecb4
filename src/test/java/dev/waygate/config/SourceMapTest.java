package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Line numbers by JSON pointer through the YAML shapes that move lines around: block scalars, flow, nesting. */
class SourceMapTest {
    static final String YAML = """
            # comment
            version: 1
            servers:
              a:
                command: sh
                args:
                  - -c
                  - |
                    echo one

                    echo two
                  - - nested
                    - list
                  - { k: v,
                      j: w }
                  - last
                env:
                  X: "1"
              "b/c~d": { url: "https://x.example",
                         timeout: 5s }
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                       | 2
            /version                 | 2
            /servers                 | 3
            /servers/a               | 4
            /servers/a/command       | 5
            /servers/a/args          | 6
            /servers/a/args/0        | 7
            /servers/a/args/1        | 8
            /servers/a/args/2        | 12
            /servers/a/args/2/1      | 13
            /servers/a/args/3        | 14
            /servers/a/args/3/j      | 15
            /servers/a/args/4        | 16
            /servers/a/env/X         | 18
            /servers/b~1c~0d         | 19
            /servers/b~1c~0d/timeout | 20
            /servers/a/not/there     | 4
            """)
    void yamlLines(String pointer, int line) throws IOException {
        assertThat(SourceMap.of(new YAMLFactory(), YAML, "f").line(pointer)).isEqualTo(line);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /mcpServers/a/args/1 | 4
            /mcpServers/b        | 5
            /mcpServers/b/url    | 7
            """)
    void jsonLines(String pointer, int line) throws IOException {
        String json = """
                {
                  "mcpServers": {
                    "a": { "command": "x", "args": ["-y",
                      "pkg"] },
                    "b":
                      {
                        "url": "https://x.example" }
                  }
                }
                """;
        assertThat(SourceMap.of(new JsonFactory(), json, "f").line(pointer)).isEqualTo(line);
    }

    @Test
    void windowsLineEndingsCountOnce() throws IOException {
        String crlf = "version: 1\r\nservers:\r\n  a:\r\n    command: x\r\n    timeout: nope\r\n";
        assertThat(SourceMap.of(new YAMLFactory(), crlf, "f").line("/servers/a/timeout")).isEqualTo(5);
    }
}
