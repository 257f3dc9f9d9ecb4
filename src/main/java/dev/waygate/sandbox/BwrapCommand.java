package dev.waygate.sandbox;

import dev.waygate.config.SandboxConfig;
import dev.waygate.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Builds the command line that starts a stdio server in its sandbox. The chain, outermost first:
 * <ol>
 *   <li>{@code setpriv} (only when the gateway is root): leave root for a uid of the server's own,
 *       since RLIMIT_NPROC never binds root and counts per uid;</li>
 *   <li>{@code prlimit}: address space, CPU seconds (SIGXCPU, then SIGKILL a second later), processes,
 *       open files, file size;</li>
 *   <li>{@code bwrap}: new user, pid, ipc, uts, cgroup and network namespaces; the system directories
 *       read-only; a minimal /etc; private /tmp and home; the paths the server's command, args and
 *       cwd name, read-only; the declared paths; the gateway's data directory hidden.</li>
 * </ol>
 * Secret values never appear here (a command line is readable by every user): they go in the
 * process environment, which {@link #env} builds from scratch.
 */
public final class BwrapCommand {
    /** The sandbox's home directory (a tmpfs). */
    public static final String HOME = "/home/sandbox";
    static final String PATH = "/usr/local/bin:/usr/bin:/bin";
    /** What a program needs of /etc: TLS roots, time zone, names; never shadow, ssh or the host's hosts file. */
    static final List<String> ETC = List.of("/etc/ssl", "/etc/ca-certificates", "/etc/pki", "/etc/localtime",
            "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/alternatives", "/etc/ld.so.cache",
            "/etc/mime.types");
    /** Sandbox uids, when the gateway is root: one per server name, so process counts are per server. */
    static final int UID_BASE = 200_000;
    static final int UID_RANGE = 100_000;

    private BwrapCommand() {}

    /**
     * @param defaultCwd where a server without {@code cwd} starts (the configuration's directory): relative
     *                   args resolve there; inside the sandbox it is an empty directory, not the host's
     * @param hidden     host paths never shown, even inside a bound directory (the gateway's data directory)
     * @param own        the gateway's environment: only the names the sandbox's {@code env} lists are taken
     * @param egress     for {@code network: egress}: the {@link EgressBridge}'s socket directory
     */
    public static SandboxPlan plan(SandboxHost host, ServerConfig server, Path defaultCwd, List<Path> hidden,
                                   Map<String, String> own, Optional<Path> egress) throws SandboxException {
        return plan(host, server, defaultCwd, hidden, own, egress, Optional.empty());
    }

    /** @param credential for {@code network: egress}: the server's identity at the egress proxy ({@link ServerCredentials}) */
    public static SandboxPlan plan(SandboxHost host, ServerConfig server, Path defaultCwd, List<Path> hidden,
                                   Map<String, String> own, Optional<Path> egress,
                                   Optional<ServerCredentials.Credential> credential) throws SandboxException {
        return build(host, server, server.command().orElseThrow(), server.args(), server.sandbox().network(), false,
                defaultCwd, hidden, own, egress, credential);
    }

    /**
     * The install step's plan ({@link SandboxConfig.Install}): the install's command and args (the
     * server's command when it names none), {@code network: egress} whatever the server's network,
     * and the caches read-write; everything else as the server's own sandbox.
     */
    public static SandboxPlan installPlan(SandboxHost host, ServerConfig server, Path defaultCwd, List<Path> hidden,
                                          Map<String, String> own, Path egress, ServerCredentials.Credential credential)
            throws SandboxException {
        SandboxConfig.Install i = server.sandbox().install().orElseThrow();
        return build(host, server, i.command().orElse(server.command().orElseThrow()), i.args(), SandboxConfig.Network.EGRESS,
                true, defaultCwd, hidden, own, Optional.of(egress), Optional.of(credential));
    }

    private static SandboxPlan build(SandboxHost host, ServerConfig server, String program, List<String> args,
                                     SandboxConfig.Network network, boolean installing, Path defaultCwd, List<Path> hidden,
                                     Map<String, String> own, Optional<Path> egress,
                                     Optional<ServerCredentials.Credential> credential) throws SandboxException {
        SandboxConfig sb = server.sandbox();
        if (!sb.enabled()) {
            throw new IllegalArgumentException("server '" + server.name() + "' has sandbox: none");
        }
        Path cwd = server.cwd().orElse(defaultCwd);
        Path command = resolve(program, own.getOrDefault("PATH", PATH), Optional.of(cwd));
        if (network == SandboxConfig.Network.EGRESS && egress.isEmpty()) {
            throw new IllegalArgumentException("network: egress needs the bridge's socket directory");
        }
        List<Bind> binds = new ArrayList<>(AutoBinds.of(command, args, cwd, server.cwd().isPresent()));
        sb.readOnly().forEach(p -> binds.add(new Bind(p, false, "read_only")));
        // The install fills the caches; the server only reads them, so it cannot poison its next start.
        sb.install().ifPresent(i -> i.cache().forEach(p -> binds.add(new Bind(p, installing, "install cache"))));
        sb.readWrite().forEach(p -> binds.add(new Bind(p, true, "read_write")));
        sb.workdir().ifPresent(w -> binds.add(new Bind(w, false, "workdir")));
        for (Bind b : binds) {
            if (!Files.exists(b.path())) {
                throw new SandboxException(b.why() + " path " + b.path() + " does not exist");
            }
        }
        // Without a written cwd the server starts where relative args expect it, in an empty directory:
        // the configuration's directory holds the data directory and secret files, so it is not bound.
        String workdir = sb.workdir().orElse(cwd).toString();
        int uid = host.root() ? uidFor(server.name()) : -1;

        List<String> argv = new ArrayList<>();
        if (uid >= 0) {
            argv.addAll(List.of(host.setpriv().orElseThrow().toString(), "--reuid=" + uid, "--regid=" + uid,
                    "--clear-groups", "--inh-caps=-all"));
        }
        argv.addAll(prlimit(host, sb.limits()));
        argv.add(host.bwrap().toString());
        argv.addAll(namespaces(sb));
        argv.addAll(system());
        if (sb.workdir().isEmpty() && server.cwd().isEmpty()) {
            argv.addAll(List.of("--dir", workdir));
        }
        for (Bind b : binds) {
            argv.addAll(List.of(b.writable() ? "--bind" : "--ro-bind", b.path().toString(), b.path().toString()));
        }
        for (Path h : hidden) {
            boolean covered = binds.stream().anyMatch(b -> h.startsWith(b.path()) || b.path().startsWith(h));
            // A path the sandbox's uid cannot even reach needs no mask (and bwrap, running as that uid, could not mount one).
            if (covered && (uid < 0 || reachableByOthers(h))) {
                argv.addAll(List.of("--tmpfs", h.toString()));
            }
        }
        argv.addAll(List.of("--chdir", workdir, "--"));
        if (network == SandboxConfig.Network.EGRESS) {
            argv.addAll(egressLauncher(egress.get()));
            // the bridge's directory is bound above its /run tmpfs: insert before "--chdir"
            int at = argv.indexOf("--chdir");
            argv.addAll(at, List.of("--ro-bind", egress.get().toString(), EgressBridge.DIR_INSIDE));
        }
        argv.add(command.toString());
        argv.addAll(args);
        return new SandboxPlan(argv, env(sb, network, credential, server.env(), own), binds, uid, workdir, sb);
    }

    /**
     * {@code sh -c 'socat ... & (wait until it listens) exec "$0" "$@"'}: a forwarder from the sandbox's
     * own loopback to the bridge's socket runs beside the server, which replaces the shell (so it keeps
     * the shell's pid). The shell waits (at most 5 s) until the port is listening, read from the
     * sandbox's own {@code /proc/net/tcp}: an install command connects at once, before socat would be up.
     */
    static List<String> egressLauncher(Path bridgeDir) throws SandboxException {
        Path socat = SandboxHost.find("socat").orElseThrow(() -> new SandboxException(
                "network: egress needs socat, which forwards the sandbox's loopback port to the egress proxy (apt-get install socat)"));
        int port = Integer.parseInt(EgressBridge.INSIDE.substring(EgressBridge.INSIDE.indexOf(':') + 1));
        String listening = String.format(java.util.Locale.ROOT, " 0100007F:%04X 00000000:0000 0A ", port); // 127.0.0.1:port LISTEN
        String script = socat + " -T 3600 TCP-LISTEN:" + port
                + ",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:" + EgressBridge.DIR_INSIDE + "/" + EgressBridge.SOCKET_NAME
                + " </dev/null >/dev/null 2>&1 & i=0; while [ $i -lt 500 ] && ! grep -q '" + listening + "' /proc/net/tcp 2>/dev/null;"
                + " do sleep 0.01; i=$((i+1)); done; exec \"$0\" \"$@\"";
        return List.of("/bin/sh", "-c", script);
    }

    /** The chain around {@code /bin/true}: the start-time check that sandboxes work on this machine. */
    static List<String> trial(SandboxHost host) {
        List<String> argv = new ArrayList<>();
        if (host.root()) {
            argv.addAll(List.of(host.setpriv().orElseThrow().toString(), "--reuid=" + UID_BASE, "--regid=" + UID_BASE,
                    "--clear-groups", "--inh-caps=-all"));
        }
        argv.addAll(prlimit(host, SandboxConfig.Limits.DEFAULTS));
        argv.add(host.bwrap().toString());
        argv.addAll(namespaces(SandboxConfig.defaults()));
        argv.addAll(system());
        argv.addAll(List.of("--", "/bin/true"));
        return argv;
    }

    static List<String> prlimit(SandboxHost host, SandboxConfig.Limits l) {
        List<String> out = new ArrayList<>(List.of(host.prlimit().toString(),
                "--as=" + (long) l.memoryMb() * 1024 * 1024,
                "--nproc=" + l.maxProcesses(),
                "--nofile=" + l.maxOpenFiles(),
                "--fsize=" + (long) l.maxFileSizeMb() * 1024 * 1024,
                "--core=0"));
        if (l.cpuSeconds() > 0) {
            // Soft first: SIGXCPU says "cpu" in the exit status; the hard limit a second later kills a server that ignores it.
            out.add("--cpu=" + l.cpuSeconds() + ":" + (l.cpuSeconds() + 1));
        }
        out.add("--");
        return out;
    }

    static List<String> namespaces(SandboxConfig sb) {
        // --unshare-all: user, pid, ipc, uts, cgroup and net. The network stays private for egress too:
        // the egress proxy is reached through a socket bound in (see EgressBridge), never the host's network.
        return List.of("--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--hostname", "sandbox");
    }

    static List<String> system() {
        List<String> out = new ArrayList<>(List.of("--ro-bind", "/usr", "/usr"));
        for (String d : List.of("/bin", "/lib", "/lib64", "/sbin")) {
            Path p = Path.of(d);
            if (Files.isSymbolicLink(p)) {
                try {
                    out.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), d));
                } catch (java.io.IOException e) {
                    // unreadable link: leave it out
                }
            } else if (Files.isDirectory(p)) {
                out.addAll(List.of("--ro-bind", d, d));
            }
        }
        for (String e : ETC) {
            out.addAll(List.of("--ro-bind-try", e, e));
        }
        out.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/home", "--dir", HOME,
                "--tmpfs", "/run"));
        return out;
    }

    /** A fresh environment: fixed basics, the allowlisted names of the gateway's own, then the server's env. */
    static Map<String, String> env(SandboxConfig sb, SandboxConfig.Network network, Optional<ServerCredentials.Credential> credential,
                                   Map<String, String> serverEnv, Map<String, String> own) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", PATH);
        env.put("HOME", HOME);
        env.put("TMPDIR", "/tmp");
        env.put("USER", "sandbox");
        for (String name : sb.env()) {
            if (own.containsKey(name)) {
                env.put(name, own.get(name));
            }
        }
        if (network == SandboxConfig.Network.EGRESS) {
            // The credential rides as userinfo, which clients send as Proxy-Authorization: Basic (decision 0024).
            String proxy = "http://" + credential.map(c -> c.userinfo() + "@").orElse("") + EgressBridge.INSIDE;
            for (String k : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")) {
                env.put(k, proxy);
            }
            env.put("NO_PROXY", "");
        }
        env.putAll(serverEnv);
        return env;
    }

    /** Every directory above {@code p} lets other users pass (o+x): a uid of its own can reach {@code p}. */
    static boolean reachableByOthers(Path p) {
        for (Path d = p.getParent(); d != null; d = d.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(d).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            } catch (java.io.IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return true;
    }

    static int uidFor(String server) {
        CRC32 crc = new CRC32();
        crc.update(server.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return UID_BASE + 1 + (int) (crc.getValue() % (UID_RANGE - 1));
    }

    /** The command as the sandbox will run it: an absolute path, found on PATH like a shell would. */
    static Path resolve(String command, String path, Optional<Path> cwd) throws SandboxException {
        if (command.contains("/")) {
            Path p = (cwd.isPresent() ? cwd.get().resolve(command) : Path.of(command).toAbsolutePath()).normalize();
            if (!Files.isExecutable(p)) {
                throw new SandboxException("command " + p + " is not an executable file");
            }
            return p;
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new SandboxException("command '" + command + "' not found on PATH");
    }

    /** For {@code waygate sandbox test} and logs: the chain as one line (no secret is on it). */
    public static String display(List<String> argv) {
        return String.join(" ", argv.stream().map(a -> a.matches("[\\w@%+=:,./-]+") ? a : "'" + a.replace("'", "'\\''") + "'")
                .toList());
    }

}
