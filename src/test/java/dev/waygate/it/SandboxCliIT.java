package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code waygate sandbox test}: a real server started in its sandbox by the CLI, as a separate process. */
class SandboxCliIT {
    static Path dir;
    static Path config;

    @BeforeAll
    static void write() throws Exception {
        dir = Files.createTempDirectory("waygate-sandbox-cli");
        config = Files.writeString(dir.resolve("waygate.yaml"), """
                version: 1
                servers:
                  everything:
                    command: node
                    args: ["%s", stdio]
                    sandbox: { limits: { memory_mb: 2048, max_processes: 64, cpu_seconds: 60 } }
                  loose: { command: node, args: ["%s"], sandbox: none }
                  broken: { command: node, args: ["%s"], sandbox: { read_write: [does-not-exist] } }
                  cached:
                    command: node
                    args: ["%s"]
                    sandbox: { install: { command: cp, args: ["%s", "%s/pkg.txt"], cache: ["%s"] } }
                  locked: { command: node, args: ["%s"], sandbox: { read_write: ["%s"] } }
                """.formatted(GatewayFixture.everything(), GatewayFixture.everything(), GatewayFixture.everything(),
                SandboxIT.HOSTILE, pkg(), cache(), cache(), SandboxIT.HOSTILE, locked()));
    }

    /** Reachable and readable by a sandbox uid of its own (the tests may run as root): 0755 directories. */
    static Path pkg() throws Exception {
        SandboxIT.open(dir, "rwxr-xr-x");
        return SandboxIT.open(Files.writeString(dir.resolve("package.txt"), "the package"), "rw-r--r--");
    }

    static Path cache() throws Exception {
        return SandboxIT.open(Files.createDirectories(dir.resolve("cache")), "rwxrwxrwx");
    }

    static Path locked() throws Exception {
        return SandboxIT.open(Files.createDirectories(dir.resolve("locked")), "r-xr-xr-x");
    }

    @Test
    void theInstallRunsBeforeTheServerWhichSeesTheCacheReadOnly() throws Exception {
        Path cache = dir.resolve("cache");
        Cli.Exit e = Cli.run(Map.of(), "sandbox", "test", "--config", config.toString(), "cached");

        assertThat(e.code()).as(e.stderr()).isZero();
        assertThat(e.stdout()).contains("install (once, before the first start): cp " + dir.resolve("package.txt") + " " + cache
                        + "/pkg.txt; network egress as principal server:cached, caches read-write: " + cache + " (read-only for the server)")
                .contains("read-only: " + cache + " (install cache)")
                .contains("not enforced: memory_total: resident memory of a server and its children together (cgroup memory.max)")
                .contains("initialize: hostile");
        assertThat(cache.resolve("pkg.txt")).hasContent("the package");
    }

    @Test
    void aReadWritePathTheSandboxCannotWriteIsAFailureThatNamesIt() throws Exception {
        Cli.Exit e = Cli.run(Map.of(), "sandbox", "test", "--config", config.toString(), "locked");
        assertThat(e.code()).isEqualTo(1);
        assertThat(e.stderr()).contains("sandbox: read_write path " + dir.resolve("locked") + " is not writable by the sandbox (");
    }

    @AfterAll
    static void clean() throws Exception {
        GatewayFixture.deleteTree(dir);
    }

    @Test
    void startsTheServerInItsSandboxAndSaysWhatItMayDo() throws Exception {
        Cli.Exit e = Cli.run(Map.of(), "sandbox", "test", "--config", config.toString(), "everything");

        assertThat(e.code()).as(e.stderr()).isZero();
        assertThat(e.stdout()).contains("server everything: sandboxed by bubblewrap + prlimit")
                .contains("network: none (its own loopback only)")
                .contains("read-only: " + GatewayFixture.MODULES + " (args)")
                .contains("limits: address space 2048 MiB, cpu 60 s, processes 64")
                .contains("initialize: mcp-servers/everything")
                .containsPattern("tools/list: [1-9][0-9]* tools");
    }

    @Test
    void unknownAndUnsandboxedServersAreUsageErrorsAndABrokenSandboxAFailure() throws Exception {
        Cli.Exit unknown = Cli.run(Map.of(), "sandbox", "test", "--config", config.toString(), "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("no server 'nope'");

        Cli.Exit none = Cli.run(Map.of(), "sandbox", "test", "--config", config.toString(), "loose");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.stderr()).contains("has sandbox: none");

        Cli.Exit broken = Cli.run(Map.of(), "sandbox", "test", "--config", config.toString(), "broken");
        assertThat(broken.code()).isEqualTo(1);
        assertThat(broken.stderr()).contains("sandbox: read_write path " + dir.resolve("does-not-exist") + " does not exist");
    }
}
