package dev.waygate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.ConfigException;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.SandboxConfig;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.Call;
import dev.waygate.sandbox.Bind;
import dev.waygate.sandbox.BwrapCommand;
import dev.waygate.sandbox.SandboxHost;
import dev.waygate.sandbox.SandboxPlan;
import dev.waygate.upstream.Upstream;
import dev.waygate.upstream.UpstreamEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code waygate sandbox test}: start one server in its sandbox, as the gateway would, and say what it may do. */
@Command(name = "sandbox", description = "Sandboxed stdio servers.", subcommands = SandboxCommand.Test.class)
final class SandboxCommand {
    @ParentCommand
    Main main;

    @Command(name = "test", description = "Start SERVER in its sandbox, run initialize and tools/list, and print what the sandbox allows.")
    static final class Test implements Callable<Integer> {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
        Path file;

        @Parameters(index = "0", paramLabel = "SERVER", description = "a stdio server of the configuration")
        String name;

        @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "how long to wait for the handshake (default 60)")
        int timeoutSeconds;

        @ParentCommand
        SandboxCommand parent;

        @Override
        public Integer call() throws Exception {
            GatewayConfig c = new ConfigLoader(parent.main.env, w -> System.err.println("waygate: warning: " + w)).read(file);
            ServerConfig s = c.servers().get(name);
            if (s == null) {
                throw new ConfigException(c.file() + ":1: no server '" + name + "' (servers: " + String.join(", ", c.servers().keySet()) + ")");
            }
            if (s.transport() != ServerConfig.Transport.STDIO) {
                throw new ConfigException(c.file() + ":1: server '" + name + "' is a remote server; only stdio servers are sandboxed");
            }
            if (!s.sandbox().enabled()) {
                throw new ConfigException(c.file() + ":1: server '" + name + "' has sandbox: none (it runs unconfined)");
            }
            SandboxHost host = SandboxHost.get();
            if (host.problem().isPresent()) {
                System.err.println("waygate: sandbox unavailable on this machine: " + host.problem().get());
                return Main.FAILURE;
            }
            describe(host, BwrapCommand.plan(host, s, c.file().getParent(), List.of(c.dataDir()), System.getenv(), Optional.of(Path.of("/run/waygate"))), c);
            return handshake(s, c);
        }

        private void describe(SandboxHost host, SandboxPlan p, GatewayConfig c) {
            SandboxConfig sb = p.config();
            System.out.println("server " + name + ": sandboxed by bubblewrap + prlimit (sandbox check " + host.checkMillis() + " ms)");
            System.out.println("  user: " + (p.uid() >= 0 ? "uid " + p.uid() + " of its own (the gateway runs as root)" : "the gateway's uid")
                    + ", in a new user namespace; no capabilities");
            System.out.println("  namespaces: user, pid, ipc, uts, cgroup, net (new)");
            System.out.println("  network: " + (sb.network() == SandboxConfig.Network.NONE
                    ? "none (its own loopback only)"
                    : "egress only: HTTP(S)_PROXY=http://" + name + ":<secret>@" + dev.waygate.sandbox.EgressBridge.INSIDE
                    + " → Waygate's egress proxy at " + sb.proxy() + ", as principal " + dev.waygate.sandbox.ServerCredentials.PREFIX + name));
            sb.install().ifPresent(i -> System.out.println("  install (once, before the first start): "
                    + i.command().orElse(c.servers().get(name).command().orElse("")) + " " + String.join(" ", i.args()) + "; network egress as principal "
                    + dev.waygate.sandbox.ServerCredentials.PREFIX + name + ", caches read-write: "
                    + String.join(" ", i.cache().stream().map(Path::toString).toList()) + " (read-only for the server)"));
            System.out.println("  read-only: /usr /bin /lib /lib64 /sbin (system), /etc: " + String.join(" ", List.of("ssl", "ca-certificates",
                    "localtime", "nsswitch.conf", "passwd", "group", "alternatives")) + " (when present)");
            for (Bind b : p.binds()) {
                System.out.println("  " + (b.writable() ? "read-write: " : "read-only: ") + b.path() + " (" + b.why() + ")");
            }
            System.out.println("  private: /tmp, /home (tmpfs), /proc (its own processes), /dev (minimal); hidden: " + c.dataDir());
            boolean bound = p.binds().stream().anyMatch(b -> p.workdir().startsWith(b.path().toString()));
            System.out.println("  workdir: " + p.workdir() + (bound ? "" : " (an empty directory: the host's is not bound)"));
            SandboxConfig.Limits l = sb.limits();
            System.out.println("  limits: address space " + l.memoryMb() + " MiB, cpu " + (l.cpuSeconds() == 0 ? "unlimited" : l.cpuSeconds() + " s")
                    + ", processes " + l.maxProcesses() + ", open files " + l.maxOpenFiles() + ", file size " + l.maxFileSizeMb()
                    + " MiB, wall time per call " + l.wallTimeout().map(d -> d.toMillis() + " ms").orElse("none")
                    + ", message " + l.maxMessageBytes() + " bytes, stderr " + l.maxStderrLines() + " lines/10 s");
            System.out.println("  cgroups: " + host.cgroups().description());
            dev.waygate.sandbox.LimitEnforcement.unavailable(host).forEach((k, v) -> System.out.println("  not enforced: " + k + ": " + v));
            System.out.println("  environment: " + String.join(" ", p.env().keySet().stream().sorted().toList()) + " (names only)");
        }

        private int handshake(ServerConfig s, GatewayConfig c) throws InterruptedException {
            long began = System.nanoTime();
            Upstream u = new Upstream(s, c.file().getParent(), new Quiet(), List.of(c.dataDir()));
            u.start();
            try {
                long deadline = began + Duration.ofSeconds(timeoutSeconds).toNanos();
                while (u.state() != Upstream.State.READY && u.lastError().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                if (u.state() != Upstream.State.READY) {
                    System.err.println("waygate: server " + name + " did not start in its sandbox: "
                            + (u.lastError().isEmpty() ? "no handshake within " + timeoutSeconds + " s" : u.lastError()));
                    return Main.FAILURE;
                }
                long ms = (System.nanoTime() - began) / 1_000_000;
                JsonNode info = u.initializeResult();
                System.out.println("initialize: " + info.path("serverInfo").path("name").asText("?") + " "
                        + info.path("serverInfo").path("version").asText("") + ", protocol " + info.path("protocolVersion").asText()
                        + ", in " + ms + " ms");
                int tools = 0;
                String cursor = null;
                do {
                    ObjectNode params = Json.object();
                    if (cursor != null) {
                        params.put("cursor", cursor);
                    }
                    JsonNode page = u.request("tools/list", params, Optional.empty());
                    tools += page.path("tools").size();
                    String next = page.path("nextCursor").asText(null);
                    cursor = next != null && !next.equals(cursor) ? next : null;
                } while (cursor != null);
                System.out.println("tools/list: " + tools + " tools");
                return Main.OK;
            } finally {
                u.stop();
            }
        }
    }

    /** This command is the only client: nothing to forward. */
    private static final class Quiet implements UpstreamEvents {
        @Override
        public void ready(Upstream upstream) {}

        @Override
        public void down(Upstream upstream, String reason) {}

        @Override
        public void listChanged(Upstream upstream, String method) {}

        @Override
        public void notification(Upstream upstream, ObjectNode notification, Optional<Call.Scope> scope) {}

        @Override
        public JsonNode serverRequest(Upstream upstream, String method, ObjectNode params, Optional<Call.Scope> scope) {
            throw new dev.waygate.mcp.McpException(dev.waygate.mcp.ErrorCodes.METHOD_NOT_FOUND, "not supported by sandbox test");
        }
    }
}
