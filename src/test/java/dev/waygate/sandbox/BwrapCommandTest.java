package dev.waygate.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.waygate.config.HostPort;
import dev.waygate.config.SandboxConfig;
import dev.waygate.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line a sandboxed server starts with, read as a list: what is bound, limited and passed. */
class BwrapCommandTest {
    static final SandboxHost ROOT = SandboxHost.of(Path.of("/usr/bin/bwrap"), Path.of("/usr/bin/prlimit"),
            Optional.of(Path.of("/usr/bin/setpriv")), true);
    static final SandboxHost USER = SandboxHost.of(Path.of("/usr/bin/bwrap"), Path.of("/usr/bin/prlimit"), Optional.empty(), false);
    static final Map<String, String> GATEWAY_ENV = Map.of("PATH", "/usr/bin:/bin", "LANG", "C.UTF-8",
            "WAYGATE_ADMIN_TOKEN", "gateway-secret", "AWS_SECRET_ACCESS_KEY", "aws-secret");

    /** Where a server without cwd starts (the configuration's directory in the gateway). */
    static final Path HOME_DIR = Path.of("/srv/waygate-config");

    @TempDir
    Path dir;

    ServerConfig server(List<String> args, Optional<Path> cwd, Map<String, String> env, SandboxConfig sb) {
        return new ServerConfig("srv", ServerConfig.Transport.STDIO, Optional.of("node"), args, env, cwd, Optional.empty(),
                Map.of(), "srv", Duration.ofSeconds(60), true, sb);
    }

    static SandboxConfig sandbox(List<Path> ro, List<Path> rw, SandboxConfig.Limits limits) {
        return new SandboxConfig(true, SandboxConfig.Network.NONE, SandboxConfig.DEFAULT_PROXY, ro, rw, Optional.empty(),
                SandboxConfig.DEFAULT_ENV, limits);
    }

    /** The arguments following {@code flag}, as (flag, a, b) triples. */
    static List<List<String>> triples(List<String> argv, String flag) {
        List<List<String>> out = new java.util.ArrayList<>();
        for (int i = 0; i < argv.size() - 2; i++) {
            if (argv.get(i).equals(flag)) {
                out.add(List.of(argv.get(i + 1), argv.get(i + 2)));
            }
        }
        return out;
    }

    @Test
    void asRootTheChainLeavesRootThenLimitsThenIsolates() throws Exception {
        SandboxPlan p = BwrapCommand.plan(ROOT, server(List.of("stdio"), Optional.empty(), Map.of(), SandboxConfig.defaults()),
                HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty());
        List<String> argv = p.argv();
        int uid = BwrapCommand.uidFor("srv");

        assertThat(argv.subList(0, 5)).containsExactly("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid,
                "--clear-groups", "--inh-caps=-all");
        assertThat(argv.get(5)).isEqualTo("/usr/bin/prlimit");
        assertThat(argv).contains("--as=" + 4096L * 1024 * 1024, "--nproc=128", "--nofile=1024", "--fsize=" + 1024L * 1024 * 1024);
        assertThat(argv).noneMatch(a -> a.startsWith("--cpu")); // default: a long-lived server is not limited in CPU time
        int bwrap = argv.indexOf("/usr/bin/bwrap");
        assertThat(bwrap).isGreaterThan(argv.indexOf("--"));
        assertThat(argv.subList(bwrap, argv.size())).contains("--unshare-all", "--die-with-parent", "--new-session");
        assertThat(argv.subList(bwrap, argv.size())).doesNotContain("--share-net");
        assertThat(argv.subList(argv.size() - 3, argv.size())).containsExactly("--", "/usr/bin/node", "stdio");
        assertThat(p.workdir()).as("an empty directory where relative args expect it").isEqualTo(HOME_DIR.toString());
        assertThat(argv).containsSubsequence("--dir", HOME_DIR.toString());
        assertThat(triples(argv, "--ro-bind")).noneMatch(t -> t.getFirst().equals(HOME_DIR.toString()));
        assertThat(uid).isBetween(BwrapCommand.UID_BASE + 1, BwrapCommand.UID_BASE + BwrapCommand.UID_RANGE);
    }

    @Test
    void asAnOrdinaryUserThereIsNoSetprivAndCpuHasASoftAndAHardLimit() throws Exception {
        SandboxConfig.Limits l = new SandboxConfig.Limits(2048, 10, 32, 64, 5, Optional.empty(), 1 << 20, 10);
        List<String> argv = BwrapCommand.plan(USER, server(List.of(), Optional.empty(), Map.of(), sandbox(List.of(), List.of(), l)),
                HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty()).argv();

        assertThat(argv.getFirst()).isEqualTo("/usr/bin/prlimit");
        assertThat(argv).contains("--as=" + 2048L * 1024 * 1024, "--cpu=10:11", "--nproc=32", "--nofile=64", "--fsize=" + 5L * 1024 * 1024);
    }

    @Test
    void systemDirectoriesAreReadOnlyAndTmpHomeAndEtcArePrivate() throws Exception {
        List<String> argv = BwrapCommand.plan(USER, server(List.of(), Optional.empty(), Map.of(), SandboxConfig.defaults()),
                HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty()).argv();

        assertThat(triples(argv, "--ro-bind")).contains(List.of("/usr", "/usr"));
        assertThat(triples(argv, "--bind")).isEmpty();
        assertThat(argv).containsSubsequence("--tmpfs", "/tmp").containsSubsequence("--tmpfs", "/home")
                .containsSubsequence("--proc", "/proc").containsSubsequence("--dev", "/dev");
        List<String> etc = triples(argv, "--ro-bind-try").stream().map(List::getFirst).toList();
        assertThat(etc).contains("/etc/ssl", "/etc/passwd").doesNotContain("/etc", "/etc/shadow", "/etc/hosts");
        assertThat(argv).noneMatch(a -> a.equals("/root") || a.startsWith("/home/") && !a.equals(BwrapCommand.HOME));
    }

    @Test
    void pathsNamedByArgsAndCwdAreBoundReadOnlyAndDeclaredOnesAsDeclared() throws Exception {
        Path pkg = Files.createDirectories(dir.resolve("app/node_modules/@scope/server/dist"));
        Path script = Files.writeString(pkg.resolve("index.js"), "");
        Path own = Files.writeString(Files.createDirectories(dir.resolve("servers")).resolve("x.mjs"), "");
        Path cfg = Files.writeString(dir.resolve("settings.json"), "{}");
        Path ro = Files.createDirectories(dir.resolve("data"));
        Path rw = Files.createDirectories(dir.resolve("out"));
        Path cwd = Files.createDirectories(dir.resolve("work"));
        SandboxPlan p = BwrapCommand.plan(USER, server(List.of(script.toString(), own.toString(), "--config", cfg.toString(),
                        "stdio", "-y"), Optional.of(cwd), Map.of(), sandbox(List.of(ro), List.of(rw), SandboxConfig.Limits.DEFAULTS)),
                HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty());

        List<List<String>> readOnly = triples(p.argv(), "--ro-bind");
        assertThat(readOnly).contains(List.of(dir.resolve("app/node_modules").toString(), dir.resolve("app/node_modules").toString()),
                List.of(own.getParent().toString(), own.getParent().toString()),
                List.of(cfg.toString(), cfg.toString()), List.of(cwd.toString(), cwd.toString()), List.of(ro.toString(), ro.toString()));
        assertThat(readOnly).noneMatch(t -> t.getFirst().equals(dir.toString()));
        assertThat(triples(p.argv(), "--bind")).containsExactly(List.of(rw.toString(), rw.toString()));
        assertThat(p.argv().indexOf(rw.toString())).as("read_write after the automatic read-only binds")
                .isGreaterThan(p.argv().indexOf(cwd.toString()));
        assertThat(p.workdir()).isEqualTo(cwd.toString());
    }

    @Test
    void relativeArgsResolveWhereTheServerStartsWhichIsAnEmptyDirectory() throws Exception {
        Path config = Files.createDirectories(dir.resolve("examples/demo"));
        Path script = Files.writeString(Files.createDirectories(dir.resolve("servers")).resolve("s.js"), "");
        SandboxPlan p = BwrapCommand.plan(USER, server(List.of("../../servers/s.js"), Optional.empty(), Map.of(),
                SandboxConfig.defaults()), config, List.of(), GATEWAY_ENV, Optional.empty());

        assertThat(triples(p.argv(), "--ro-bind")).contains(List.of(script.getParent().toString(), script.getParent().toString()))
                .noneMatch(t -> t.getFirst().equals(config.toString()));
        assertThat(p.argv()).containsSubsequence("--dir", config.toString()).endsWith("../../servers/s.js");
        assertThat(p.workdir()).isEqualTo(config.toString());
    }

    @Test
    void theDataDirectoryIsHiddenWhereABindWouldShowIt() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> argv = BwrapCommand.plan(USER, server(List.of(), Optional.of(dir), Map.of(), SandboxConfig.defaults()),
                HOME_DIR, List.of(data), GATEWAY_ENV, Optional.empty()).argv();

        assertThat(argv).containsSubsequence("--ro-bind", dir.toString(), dir.toString(), "--tmpfs", data.toString());
    }

    @Test
    void theEnvironmentIsBuiltFromScratchAndSecretsNeverReachTheCommandLine() throws Exception {
        SandboxPlan p = BwrapCommand.plan(USER, server(List.of(), Optional.empty(), Map.of("API_TOKEN", "server-secret"),
                SandboxConfig.defaults()), HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty());

        assertThat(p.env()).containsEntry("API_TOKEN", "server-secret").containsEntry("LANG", "C.UTF-8")
                .containsEntry("HOME", BwrapCommand.HOME).containsEntry("PATH", BwrapCommand.PATH)
                .doesNotContainKeys("WAYGATE_ADMIN_TOKEN", "AWS_SECRET_ACCESS_KEY");
        assertThat(String.join(" ", p.argv())).doesNotContain("server-secret", "gateway-secret", "aws-secret");
    }

    @Test
    void egressKeepsThePrivateNetworkAndGoesThroughTheBridge() throws Exception {
        SandboxConfig sb = new SandboxConfig(true, SandboxConfig.Network.EGRESS, new HostPort("127.0.0.1", 3128), List.of(), List.of(),
                Optional.empty(), SandboxConfig.DEFAULT_ENV, SandboxConfig.Limits.DEFAULTS);
        Path bridge = Files.createDirectories(dir.resolve("bridge"));
        SandboxPlan p = BwrapCommand.plan(USER, server(List.of("a"), Optional.empty(), Map.of(), sb), HOME_DIR, List.of(), GATEWAY_ENV,
                Optional.of(bridge));

        assertThat(p.argv()).contains("--unshare-all").doesNotContain("--share-net");
        assertThat(triples(p.argv(), "--ro-bind")).contains(List.of(bridge.toString(), "/run/waygate"));
        assertThat(p.argv()).containsSubsequence("--", "/bin/sh", "-c");
        assertThat(p.argv().get(p.argv().indexOf("-c") + 1)).contains("TCP-LISTEN:3128,bind=127.0.0.1")
                .contains("UNIX-CONNECT:/run/waygate/egress.sock").endsWith("exec \"$0\" \"$@\"");
        assertThat(p.argv().subList(p.argv().size() - 2, p.argv().size())).containsExactly("/usr/bin/node", "a");
        assertThat(p.env()).containsEntry("HTTPS_PROXY", "http://127.0.0.1:3128").containsEntry("HTTP_PROXY", "http://127.0.0.1:3128");
    }

    @Test
    void theEgressCredentialTravelsAsProxyUserinfoInTheEnvironmentOnly() throws Exception {
        SandboxConfig sb = new SandboxConfig(true, SandboxConfig.Network.EGRESS, new HostPort("127.0.0.1", 3128), List.of(), List.of(),
                Optional.empty(), SandboxConfig.DEFAULT_ENV, SandboxConfig.Limits.DEFAULTS);
        Path bridge = Files.createDirectories(dir.resolve("bridge"));
        try (ServerCredentials.Credential c = ServerCredentials.mint("srv")) {
            SandboxPlan p = BwrapCommand.plan(USER, server(List.of("a"), Optional.empty(), Map.of(), sb), HOME_DIR, List.of(),
                    GATEWAY_ENV, Optional.of(bridge), Optional.of(c));
            String url = "http://" + c.userinfo() + "@127.0.0.1:3128";
            assertThat(p.env()).containsEntry("HTTP_PROXY", url).containsEntry("HTTPS_PROXY", url).containsEntry("http_proxy", url)
                    .containsEntry("https_proxy", url);
            String secret = c.userinfo().substring(4);
            assertThat(p.argv()).noneMatch(a -> a.contains(secret));
        }
    }

    @Test
    void theInstallWritesTheCacheWithEgressAndTheServerOnlyReadsIt() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path bridge = Files.createDirectories(dir.resolve("bridge"));
        SandboxConfig sb = new SandboxConfig(true, SandboxConfig.Network.NONE, SandboxConfig.DEFAULT_PROXY, List.of(), List.of(),
                Optional.empty(), SandboxConfig.DEFAULT_ENV, SandboxConfig.Limits.DEFAULTS,
                Optional.of(new SandboxConfig.Install(Optional.of("sh"), List.of("-c", "true"), List.of(cache), Duration.ofMinutes(1))));
        ServerConfig s = server(List.of("stdio"), Optional.empty(), Map.of("npm_config_cache", cache.toString()), sb);
        try (ServerCredentials.Credential c = ServerCredentials.mint("srv")) {
            SandboxPlan install = BwrapCommand.installPlan(USER, s, HOME_DIR, List.of(), GATEWAY_ENV, bridge, c);
            assertThat(triples(install.argv(), "--bind")).contains(List.of(cache.toString(), cache.toString()));
            assertThat(install.argv().subList(install.argv().size() - 3, install.argv().size())).containsExactly("/usr/bin/sh", "-c", "true");
            assertThat(install.argv()).containsSubsequence("--", "/bin/sh", "-c"); // the egress launcher
            assertThat(install.env()).containsEntry("HTTP_PROXY", "http://" + c.userinfo() + "@127.0.0.1:3128")
                    .containsEntry("npm_config_cache", cache.toString());
        }
        SandboxPlan serve = BwrapCommand.plan(USER, s, HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty());
        assertThat(triples(serve.argv(), "--ro-bind")).contains(List.of(cache.toString(), cache.toString()));
        assertThat(triples(serve.argv(), "--bind")).isEmpty();
        assertThat(serve.env()).doesNotContainKey("HTTP_PROXY");
        assertThat(serve.argv().getLast()).isEqualTo("stdio");
    }

    /** Checked with the real setpriv (as root, for the sandbox's own uid) or access(2) (as an ordinary user). */
    @Test
    void aReadWritePathTheSandboxCannotWriteIsRefusedNamingIt() throws Exception {
        Path area = Files.createTempDirectory("waygate-writable");
        try {
            Files.setPosixFilePermissions(area, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path open = Files.createDirectories(area.resolve("open"));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path locked = Files.createDirectories(area.resolve("locked"));
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
            SandboxHost host = SandboxHost.get().root() ? ROOT : USER;
            WritablePaths.check(host, BwrapCommand.plan(host, server(List.of(), Optional.empty(), Map.of(),
                    sandbox(List.of(locked), List.of(open), SandboxConfig.Limits.DEFAULTS)), HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty()));
            SandboxPlan bad = BwrapCommand.plan(host, server(List.of(), Optional.empty(), Map.of(),
                    sandbox(List.of(), List.of(open, locked), SandboxConfig.Limits.DEFAULTS)), HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty());
            assertThatThrownBy(() -> WritablePaths.check(host, bad)).isInstanceOf(SandboxException.class)
                    .hasMessageStartingWith("sandbox: read_write path " + locked + " is not writable by the sandbox (")
                    .hasMessageContaining("mode r-xr-xr-x");
        } finally {
            Files.setPosixFilePermissions(area.resolve("locked"), PosixFilePermissions.fromString("rwxr-xr-x"));
            try (var w = Files.walk(area)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aMissingPathOrCommandIsRefused() {
        assertThatThrownBy(() -> BwrapCommand.plan(USER, server(List.of(), Optional.empty(), Map.of(),
                sandbox(List.of(dir.resolve("nope")), List.of(), SandboxConfig.Limits.DEFAULTS)), HOME_DIR, List.of(), GATEWAY_ENV, Optional.empty()))
                .isInstanceOf(SandboxException.class).hasMessage("sandbox: read_only path " + dir.resolve("nope") + " does not exist");
        assertThatThrownBy(() -> BwrapCommand.resolve("no-such-command-here", "/usr/bin:/bin", Optional.empty()))
                .isInstanceOf(SandboxException.class).hasMessage("sandbox: command 'no-such-command-here' not found on PATH");
    }

    @Test
    void limitBreachesAreReadFromTheExitStatus() {
        SandboxConfig.Limits l = new SandboxConfig.Limits(1536, 5, 32, 64, 5, Optional.empty(), 1 << 20, 10);
        assertThat(LimitBreach.fromExit(128 + 24, List.of(), l)).map(LimitBreach::message).contains("limit exceeded: cpu");
        assertThat(LimitBreach.fromExit(128 + 25, List.of(), l)).map(LimitBreach::limit).contains("file_size");
        assertThat(LimitBreach.fromExit(134, List.of("#", "# Fatal process out of memory: Zone"), l)).map(LimitBreach::limit)
                .contains("memory");
        assertThat(LimitBreach.fromExit(1, List.of("Error: boom"), l)).isEmpty();
        assertThat(LimitBreach.fromExit(0, Collections.nCopies(3, "out of memory"), l)).isEmpty();
    }
}
