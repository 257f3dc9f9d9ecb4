package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Value forms, one line each: durations, listen addresses, where auth: none is allowed. */
class ConfigValuesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500ms, PT0.5S", "30s, PT30S", "5m, PT5M", "1h, PT1H", "' 2s ', PT2S"})
    void durations(String written, Duration expected) throws IOException {
        GatewayConfig c = load("servers:\n  s:\n    command: x\n    timeout: \"" + written + "\"\n");

        assertThat(c.servers().get("s").timeout()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource({"30", "1.5s", "-1s", "30 s", "30S", "1d", "PT30S", "0ms", "0h", "''", "1234567890s"})
    void badDurations(String written) {
        assertThatThrownBy(() -> load("servers:\n  s:\n    command: x\n    timeout: \"" + written + "\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir.resolve("waygate.yaml") + ":5: servers.s.timeout: must be ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"127.0.0.1:8080, 127.0.0.1, 8080", "'[::1]:9000', ::1, 9000", "localhost:0, localhost, 0",
            "0.0.0.0:443, 0.0.0.0, 443"})
    void listenForms(String written, String host, int port) throws IOException {
        assertThat(load("listen: \"" + written + "\"\n").listen()).isEqualTo(new HostPort(host, port));
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource({"8080", ":8080", "127.0.0.1:", "'[]:8080'", "127.0.0.1:http", "127.0.0.1:65536", "127.0.0.1:-1"})
    void badListen(String written) {
        assertThatThrownBy(() -> load("listen: \"" + written + "\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir.resolve("waygate.yaml") + ":2: listen: ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"127.0.0.1:8080, true", "127.0.0.2:8080, true", "'[::1]:8080', true", "localhost:8080, true",
            "0.0.0.0:8080, false", "'[::]:8080', false", "192.0.2.10:8080, false"})
    void authNoneOnlyOnLoopback(String listen, boolean allowed) throws IOException {
        String text = "listen: \"" + listen + "\"\nauth: none\n";
        if (allowed) {
            assertThat(load(text).auth()).isEqualTo(GatewayConfig.AuthMode.NONE);
        } else {
            assertThatThrownBy(() -> load(text))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage(dir.resolve("waygate.yaml") + ":3: auth: 'none' is allowed only when listen is a loopback address");
        }
    }

    private GatewayConfig load(String afterVersion) throws IOException {
        Path file = Files.writeString(dir.resolve("waygate.yaml"), "version: 1\n" + afterVersion);
        return new ConfigLoader(Map.<String, String>of()::get).read(file);
    }
}
