package dev.waygate.front;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.SandboxConfig;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.Json;
import dev.waygate.sandbox.SandboxHost;
import dev.waygate.upstream.Upstream;
import java.util.Collection;

/**
 * {@code GET /diagnostics/security} (admin role): whether sandboxes work on this machine, and every
 * stdio server's confinement, the {@code sandbox: none} ones listed apart so they stand out.
 */
final class SecurityDiagnostics {
    static final String PATH = "/diagnostics/security";

    private SecurityDiagnostics() {}

    static ObjectNode report(Collection<Upstream> upstreams) {
        SandboxHost host = SandboxHost.get();
        ObjectNode out = Json.object();
        ObjectNode sb = out.putObject("sandbox").put("available", host.problem().isEmpty())
                .put("mechanism", "bubblewrap + prlimit")
                .put("runs_servers_as_own_uid", host.root())
                .put("check_ms", host.checkMillis());
        host.problem().ifPresent(p -> sb.put("problem", p));
        sb.putObject("cgroups").put("usable", host.cgroups().usable()).put("description", host.cgroups().description());
        ObjectNode limits = sb.putObject("limits");
        ObjectNode enforced = limits.putObject("enforced");
        dev.waygate.sandbox.LimitEnforcement.enforced(host).forEach(enforced::put);
        ObjectNode unavailable = limits.putObject("not_available");
        dev.waygate.sandbox.LimitEnforcement.unavailable(host).forEach(unavailable::put);
        ArrayNode unsandboxed = out.putArray("unsandboxed_servers");
        ArrayNode servers = out.putArray("servers");
        for (Upstream u : upstreams) {
            ServerConfig c = u.config();
            if (c.transport() != ServerConfig.Transport.STDIO) {
                continue;
            }
            SandboxConfig s = c.sandbox();
            ObjectNode o = servers.addObject().put("name", c.name()).put("sandbox", s.enabled() ? "bubblewrap" : "none");
            if (!s.enabled()) {
                unsandboxed.addObject().put("name", c.name()).put("command", c.command().orElse(""))
                        .put("warning", "runs with the gateway's user rights, network and file access (sandbox: none)");
                continue;
            }
            o.put("network", s.network().name().toLowerCase(java.util.Locale.ROOT));
            if (s.network() == SandboxConfig.Network.EGRESS || s.install().isPresent()) {
                o.put("egress_principal", dev.waygate.sandbox.ServerCredentials.PREFIX + c.name());
            }
            o.put("state", u.state().name().toLowerCase(java.util.Locale.ROOT));
            if (u.state() != Upstream.State.READY && !u.lastError().isEmpty()) {
                o.put("problem", u.lastError()); // e.g. a read_write path the sandbox cannot write: not started
            }
            s.install().ifPresent(i -> {
                ObjectNode in = o.putObject("install").put("command", i.command().orElse(c.command().orElse("")))
                        .put("timeout_ms", i.timeout().toMillis());
                ArrayNode cache = in.putArray("cache_read_only_after_install");
                i.cache().forEach(p -> cache.add(p.toString()));
            });
            SandboxConfig.Limits l = s.limits();
            o.putObject("limits").put("memory_mb", l.memoryMb()).put("cpu_seconds", l.cpuSeconds())
                    .put("max_processes", l.maxProcesses()).put("max_open_files", l.maxOpenFiles())
                    .put("max_file_size_mb", l.maxFileSizeMb())
                    .put("wall_timeout_ms", l.wallTimeout().map(java.time.Duration::toMillis).orElse(0L))
                    .put("max_message_bytes", l.maxMessageBytes()).put("max_stderr_lines", l.maxStderrLines());
            ArrayNode rw = o.putArray("read_write");
            s.readWrite().forEach(p -> rw.add(p.toString()));
        }
        return out;
    }
}
