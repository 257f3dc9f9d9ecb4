package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code pinning:} section: enforce when absent, three modes, mistakes named by file, line and key. */
class PinningConfigTest {
    static final Path BROKEN = Path.of("src/test/resources/config/broken").toAbsolutePath();

    @TempDir
    Path dir;

    GatewayConfig load(String text) throws Exception {
        Path f = dir.resolve("waygate.yaml");
        Files.writeString(f, text);
        return new ConfigLoader(k -> null).read(f);
    }

    @Test
    void absentMeansEnforce() throws Exception {
        assertThat(load("version: 1\n").pinning().mode()).isEqualTo(PinningConfig.Mode.ENFORCE);
    }

    @ParameterizedTest
    @CsvSource({"enforce,ENFORCE", "report,REPORT", "off,OFF", "'\"off\"',OFF"})
    void eachModeIsRead(String written, PinningConfig.Mode mode) throws Exception {
        assertThat(load("version: 1\npinning: { mode: " + written + " }\n").pinning().mode()).isEqualTo(mode);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            pinning-unknown-key.yaml | 4 | pinning.approve_on_first_sight | unknown key (allowed: mode)
            pinning-bad-mode.yaml    | 2 | pinning.mode                   | must be 'enforce', 'report' or 'off'
            """)
    void mistakesNameFileLineAndKey(String fixture, int line, String key, String reason) {
        assertThatThrownBy(() -> new ConfigLoader(k -> null).read(BROKEN.resolve(fixture)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(BROKEN.resolve(fixture) + ":" + line + ": " + key + ": ")
                .hasMessageContaining(reason);
    }
}
