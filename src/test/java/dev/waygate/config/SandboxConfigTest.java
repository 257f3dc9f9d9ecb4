package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code sandbox} block of a server: defaults, every key, and broken blocks naming file:line:key. */
class SandboxConfigTest {
    @TempDir
    Path dir;

    GatewayConfig load(String servers) throws IOException {
        Path f = dir.resolve("waygate.yaml");
        Files.writeString(f, "version: 1\nservers:\n" + servers);
        return new ConfigLoader(name -> name.equals("SECRET_TOKEN") ? "s3cret" : null).read(f);
    }

    @Test
    void aStdioServerWithoutABlockIsSandboxedWithTheDefaults() throws IOException {
        SandboxConfig s = load("  s: { command: node }\n").servers().get("s").sandbox();

        assertThat(s.enabled()).isTrue();
        assertThat(s.network()).isEqualTo(SandboxConfig.Network.NONE);
        assertThat(s.readWrite()).isEmpty();
        assertThat(s.env()).isEqualTo(SandboxConfig.DEFAULT_ENV);
        assertThat(s.limits()).isEqualTo(SandboxConfig.Limits.DEFAULTS);
    }

    @Test
    void sandboxNoneMustBeWrittenAndIsKept() throws IOException {
        assertThat(load("  s: { command: node, sandbox: none }\n").servers().get("s").sandbox().enabled()).isFalse();
    }

    @Test
    void everyKey() throws IOException {
        SandboxConfig s = load("""
                  s:
                    command: node
                    env: { API_TOKEN: "${SECRET_TOKEN}" }
                    sandbox:
                      network: egress
                      proxy: 127.0.0.1:3129
                      read_only: [ro, /opt/data]
                      read_write: [rw]
                      workdir: work
                      env: [LANG, HTTP_TIMEOUT]
                      limits: { memory_mb: 2048, cpu_seconds: 30, max_processes: 64, max_open_files: 256,
                                max_file_size_mb: 10, wall_timeout: 90s, max_message_bytes: 65536, max_stderr_lines: 50 }
                """).servers().get("s").sandbox();

        assertThat(s.network()).isEqualTo(SandboxConfig.Network.EGRESS);
        assertThat(s.proxy()).isEqualTo(new HostPort("127.0.0.1", 3129));
        assertThat(s.readOnly()).containsExactly(dir.resolve("ro"), Path.of("/opt/data"));
        assertThat(s.readWrite()).containsExactly(dir.resolve("rw"));
        assertThat(s.workdir()).contains(dir.resolve("work"));
        assertThat(s.env()).containsExactly("LANG", "HTTP_TIMEOUT");
        assertThat(s.limits()).isEqualTo(new SandboxConfig.Limits(2048, 30, 64, 256, 10, Optional.of(Duration.ofSeconds(90)),
                65536, 50));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "sandbox: off                                  | 4 | servers.s.sandbox: must be a mapping, or none to run the server unconfined",
            "sandbox: { network: host }                    | 4 | servers.s.sandbox.network: must be none or egress",
            "sandbox: { nework: none }                     | 4 | servers.s.sandbox.nework: unknown key (allowed: env, install, limits, network, proxy, read_only, read_write, workdir)",
            "sandbox: { proxy: '127.0.0.1:3128' }          | 4 | servers.s.sandbox.proxy: applies only with network: egress or an install step",
            "sandbox: { network: egress, proxy: nope }     | 4 | servers.s.sandbox.proxy: must be host:port, e.g. 127.0.0.1:3128",
            "sandbox: { read_only: /data }                 | 4 | servers.s.sandbox.read_only: must be a list",
            "sandbox: { read_write: ['/'] }                | 4 | servers.s.sandbox.read_write[0]: the root directory cannot be bound: name the directories the server needs",
            "sandbox: { env: ['A=B'] }                     | 4 | servers.s.sandbox.env[0]: must be a variable name (the values go in the server's env)",
            "sandbox: { limits: { memory_mb: 10 } }        | 4 | servers.s.sandbox.limits.memory_mb: must be between 64 and 1048576",
            "sandbox: { limits: { max_processes: 0 } }     | 4 | servers.s.sandbox.limits.max_processes: must be between 1 and 1048576",
            "sandbox: { limits: { wall_timeout: 10 } }     | 4 | servers.s.sandbox.limits.wall_timeout: must be a duration like 500ms, 30s, 5m or 1h",
            "sandbox: { limits: { memory: 10 } }           | 4 | servers.s.sandbox.limits.memory: unknown key (allowed: cpu_seconds, max_file_size_mb, max_message_bytes, max_open_files, max_processes, max_stderr_lines, memory_mb, wall_timeout)",
            "sandbox: { install: npx }                     | 4 | servers.s.sandbox.install: must be a mapping: { command, args, cache, timeout }",
            "sandbox: { install: { cache: [c] } }          | 4 | servers.s.sandbox.install: needs command or args (without command, the server's own command runs with these args)",
            "sandbox: { install: { args: [x], cach: [c] } } | 4 | servers.s.sandbox.install.cach: unknown key (allowed: args, cache, command, timeout)",
            "sandbox: { install: { command: '' } }         | 4 | servers.s.sandbox.install.command: must not be empty",
            "sandbox: { install: { args: [x], timeout: 5 } } | 4 | servers.s.sandbox.install.timeout: must be a duration like 500ms, 30s, 5m or 1h",
    })
    void brokenBlocks(String line, int lineNo, String message) {
        assertThatThrownBy(() -> load("  s:\n    command: node\n    " + line + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("waygate.yaml") + ":" + (lineNo + 1) + ": " + message);
    }

    @Test
    void anInstallStepWithItsCacheAndTheProxyItUses() throws IOException {
        SandboxConfig s = load("""
                  s:
                    command: npx
                    args: [-y, "@scope/server"]
                    sandbox:
                      proxy: 127.0.0.1:3129
                      install: { args: [--yes, "@scope/server", --version], cache: [cache/npm], timeout: 2m }
                """).servers().get("s").sandbox();

        assertThat(s.network()).as("the server itself stays offline").isEqualTo(SandboxConfig.Network.NONE);
        assertThat(s.proxy()).isEqualTo(new HostPort("127.0.0.1", 3129));
        assertThat(s.install()).contains(new SandboxConfig.Install(Optional.empty(), List.of("--yes", "@scope/server", "--version"),
                List.of(dir.resolve("cache/npm")), Duration.ofMinutes(2)));
        SandboxConfig.Install d = load("  d: { command: npx, sandbox: { install: { command: uvx, args: [tool] } } }\n")
                .servers().get("d").sandbox().install().orElseThrow();
        assertThat(d.command()).contains("uvx");
        assertThat(d.cache()).isEmpty();
        assertThat(d.timeout()).isEqualTo(SandboxConfig.Install.DEFAULT_INSTALL_TIMEOUT);
    }

    @Test
    void aRemoteServerHasNoSandbox() {
        assertThatThrownBy(() -> load("  r: { url: 'https://mcp.example.com/mcp', sandbox: none }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("servers.r.sandbox: applies only to stdio (command) servers");
    }

    @Test
    void anImportedServerIsSandboxedToo() throws IOException {
        Files.writeString(dir.resolve(".mcp.json"), "{\"mcpServers\": {\"m\": {\"command\": \"npx\", \"args\": [\"-y\", \"pkg\"]}}}");
        Path f = dir.resolve("waygate.yaml");
        Files.writeString(f, "version: 1\nimport: .mcp.json\n");
        GatewayConfig c = ConfigLoader.load(f);
        assertThat(c.servers().get("m").sandbox().enabled()).isTrue();
        assertThat(List.of(c.servers().get("m").sandbox().network())).containsExactly(SandboxConfig.Network.NONE);
    }
}
