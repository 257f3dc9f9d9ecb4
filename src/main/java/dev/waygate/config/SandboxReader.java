package dev.waygate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads a server's {@code sandbox} block: {@code none}, or a mapping (absent keys take the defaults). */
final class SandboxReader {
    private static final Set<String> KEYS = Set.of("network", "proxy", "read_only", "read_write", "workdir", "env",
            "limits", "install");
    private static final Set<String> INSTALL_KEYS = Set.of("command", "args", "cache", "timeout");
    private static final Set<String> LIMIT_KEYS = Set.of("memory_mb", "cpu_seconds", "max_processes", "max_open_files",
            "max_file_size_mb", "wall_timeout", "max_message_bytes", "max_stderr_lines");

    private SandboxReader() {}

    static SandboxConfig read(Node n, Path base) {
        if (!n.isObject()) {
            if (n.asString().equals("none")) {
                return SandboxConfig.NONE;
            }
            throw n.error("must be a mapping, or none to run the server unconfined");
        }
        n.requireKeys(KEYS);
        SandboxConfig.Network network = n.optional("network").map(SandboxReader::network).orElse(SandboxConfig.Network.NONE);
        HostPort proxy = n.optional("proxy").map(SandboxReader::proxy).orElse(SandboxConfig.DEFAULT_PROXY);
        if (n.has("proxy") && network != SandboxConfig.Network.EGRESS && !n.has("install")) {
            throw n.child("proxy").error("applies only with network: egress or an install step");
        }
        List<Path> ro = n.optional("read_only").map(l -> paths(l, base)).orElse(List.of());
        List<Path> rw = n.optional("read_write").map(l -> paths(l, base)).orElse(List.of());
        Optional<Path> workdir = n.optional("workdir").map(w -> path(w, base));
        List<String> env = n.optional("env").map(SandboxReader::envNames).orElse(SandboxConfig.DEFAULT_ENV);
        SandboxConfig.Limits limits = n.optional("limits").map(SandboxReader::limits).orElse(SandboxConfig.Limits.DEFAULTS);
        Optional<SandboxConfig.Install> install = n.optional("install").map(i -> install(i, base));
        return new SandboxConfig(true, network, proxy, ro, rw, workdir, env, limits, install);
    }

    private static SandboxConfig.Install install(Node n, Path base) {
        if (!n.isObject()) {
            throw n.error("must be a mapping: { command, args, cache, timeout }");
        }
        n.requireKeys(INSTALL_KEYS);
        Optional<String> command = n.optional("command").map(c -> {
            if (c.asString().isBlank()) {
                throw c.error("must not be empty");
            }
            return c.asString();
        });
        List<String> args = n.optional("args").map(Node::asStringList).orElse(List.of());
        if (command.isEmpty() && args.isEmpty()) {
            throw n.error("needs command or args (without command, the server's own command runs with these args)");
        }
        List<Path> cache = n.optional("cache").map(l -> paths(l, base)).orElse(List.of());
        Duration timeout = n.optional("timeout").map(Durations::parse).orElse(SandboxConfig.Install.DEFAULT_INSTALL_TIMEOUT);
        return new SandboxConfig.Install(command, args, cache, timeout);
    }

    private static SandboxConfig.Network network(Node n) {
        return switch (n.asString()) {
            case "none" -> SandboxConfig.Network.NONE;
            case "egress" -> SandboxConfig.Network.EGRESS;
            default -> throw n.error("must be none or egress");
        };
    }

    private static HostPort proxy(Node n) {
        String s = n.asString();
        int colon = s.lastIndexOf(':');
        try {
            HostPort hp = new HostPort(s.substring(0, Math.max(colon, 0)), Integer.parseInt(s.substring(colon + 1)));
            if (hp.host().isEmpty() || hp.port() < 1 || hp.port() > 65535) {
                throw new NumberFormatException();
            }
            return hp;
        } catch (NumberFormatException e) {
            throw n.error("must be host:port, e.g. 127.0.0.1:3128");
        }
    }

    private static List<Path> paths(Node list, Path base) {
        return list.asList().stream().map(p -> path(p, base)).toList();
    }

    /** Absolute and normalised; the sandbox shows a path at the same place it has on the host. */
    private static Path path(Node n, Path base) {
        String s = n.asString();
        if (s.isBlank()) {
            throw n.error("must be a path");
        }
        Path p = base.resolve(s).normalize();
        if (p.getParent() == null) {
            throw n.error("the root directory cannot be bound: name the directories the server needs");
        }
        return p;
    }

    private static List<String> envNames(Node list) {
        return list.asList().stream().map(v -> {
            String name = v.asString();
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw v.error("must be a variable name (the values go in the server's env)");
            }
            return name;
        }).toList();
    }

    private static SandboxConfig.Limits limits(Node n) {
        n.requireKeys(LIMIT_KEYS);
        SandboxConfig.Limits d = SandboxConfig.Limits.DEFAULTS;
        int memory = n.optional("memory_mb").map(x -> x.asInt(SandboxConfig.Limits.MIN_MEMORY_MB, 1 << 20)).orElse(d.memoryMb());
        int cpu = n.optional("cpu_seconds").map(x -> x.asInt(0, Integer.MAX_VALUE)).orElse(d.cpuSeconds());
        int procs = n.optional("max_processes").map(x -> x.asInt(1, 1 << 20)).orElse(d.maxProcesses());
        int files = n.optional("max_open_files").map(x -> x.asInt(16, 1 << 20)).orElse(d.maxOpenFiles());
        int fsize = n.optional("max_file_size_mb").map(x -> x.asInt(1, 1 << 24)).orElse(d.maxFileSizeMb());
        Optional<Duration> wall = n.optional("wall_timeout").map(Durations::parse);
        int message = n.optional("max_message_bytes").map(x -> x.asInt(1024, Integer.MAX_VALUE - 8)).orElse(d.maxMessageBytes());
        int stderr = n.optional("max_stderr_lines").map(x -> x.asInt(0, 1_000_000)).orElse(d.maxStderrLines());
        return new SandboxConfig.Limits(memory, cpu, procs, files, fsize, wall, message, stderr);
    }
}
