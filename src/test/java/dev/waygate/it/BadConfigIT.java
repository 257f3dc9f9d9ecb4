package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deliberately broken configuration files (src/test/resources/broken): every command that reads a
 * configuration exits 2 with one line on stderr naming the file, the line and the key.
 */
class BadConfigIT {
    static String broken(String name) {
        return Path.of("src/test/resources/broken", name).toAbsolutePath().toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "unknown_key.yaml,            3, servers.a.bogus: unknown key",
            "missing_env.yaml,            5, servers.a.env.TOKEN: environment variable WAYGATE_IT_UNSET_VARIABLE is not set",
            "bad_timeout.yaml,            3, servers.a.timeout:",
            "command_and_url.yaml,        3, servers.a: give either command",
            "syntax_error.yaml,           2, syntax error",
            "auth_none_not_loopback.yaml, 3, auth:",
            "unsupported_version.yaml,    1, version:"})
    void checkConfigNamesFileLineAndKey(String file, int line, String what) throws Exception {
        Cli.Exit e = Cli.run(Map.of(), "check-config", broken(file));
        assertThat(e.code()).as("exit code; stderr: %s", e.stderr()).isEqualTo(2);
        assertThat(e.stderr().strip().lines()).as("one line on stderr").hasSize(1);
        assertThat(e.stderr().strip()).startsWith("waygate: " + broken(file) + ":" + line + ": ").contains(what);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"serve", "stdio"})
    void commandsThatStartTheGatewayRefuseItTheSameWay(String command) throws Exception {
        Cli.Exit e = Cli.run(Map.of("WAYGATE_API_KEY", "wg_unused"), command, "--config", broken("unknown_key.yaml"));
        assertThat(e.code()).as("exit code; stderr: %s", e.stderr()).isEqualTo(2);
        assertThat(e.stderr().strip()).isEqualTo("waygate: " + broken("unknown_key.yaml")
                + ":3: servers.a.bogus: unknown key (allowed: args, command, cwd, env, headers, prefix, required, sandbox, timeout, type, url)");
        assertThat(e.stdout()).isEmpty();
    }
}
