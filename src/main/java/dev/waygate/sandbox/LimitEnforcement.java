package dev.waygate.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which sandbox limits this machine enforces and how, and which it cannot, said plainly for
 * {@code /diagnostics/security}: a limit that is not enforced must not look as if it were.
 * prlimit's limits bind each process on its own (RLIMIT_NPROC counts per uid); a limit on a server
 * and all its children together needs cgroup v2, which the gateway does not use (see {@link Cgroups}).
 */
public final class LimitEnforcement {
    private LimitEnforcement() {}

    /** Limit key → how it is enforced. */
    public static Map<String, String> enforced(SandboxHost host) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("memory_mb", "prlimit RLIMIT_AS: address space of each process (not resident memory; a child gets its own)");
        m.put("cpu_seconds", "prlimit RLIMIT_CPU: CPU time of each process (SIGXCPU, then SIGKILL)");
        m.put("max_processes", host.root()
                ? "prlimit RLIMIT_NPROC: processes and threads of the server's own uid"
                : "prlimit RLIMIT_NPROC: processes and threads of the gateway's user, all of them (the gateway is not root)");
        m.put("max_open_files", "prlimit RLIMIT_NOFILE: per process");
        m.put("max_file_size_mb", "prlimit RLIMIT_FSIZE: per file written");
        m.put("wall_timeout", "the gateway: a call running longer kills the server");
        m.put("max_message_bytes", "the gateway: a larger message kills the server");
        m.put("max_stderr_lines", "the gateway: lines beyond it are counted and dropped");
        return m;
    }

    /** Limit → why it is not available here. */
    public static Map<String, String> unavailable(SandboxHost host) {
        Map<String, String> m = new LinkedHashMap<>();
        String why = host.cgroups().usable()
                ? "not implemented: the gateway does not create cgroups yet (" + host.cgroups().description() + ")"
                : "needs a delegated cgroup v2 with the memory and pids controllers: " + host.cgroups().description();
        m.put("memory_total", "resident memory of a server and its children together (cgroup memory.max): " + why);
        m.put("processes_total", "processes of a server and its children together (cgroup pids.max): " + why);
        return m;
    }
}
