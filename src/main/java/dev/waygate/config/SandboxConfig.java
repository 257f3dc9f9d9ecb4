package dev.waygate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a stdio server is confined ({@code sandbox:} of a server). A stdio server without the block
 * gets {@link #defaults()}: it is sandboxed. Only {@code sandbox: none}, written out, runs it
 * unconfined ({@link #NONE}), and {@code /diagnostics/security} lists it.
 *
 * @param enabled   false only for {@code sandbox: none}
 * @param network   {@code none} (default: only a private loopback) or {@code egress} (only Waygate's egress proxy)
 * @param proxy     where the egress proxy listens, for {@code network: egress}
 * @param readOnly  extra paths visible read-only (besides the system directories and what command, args and cwd name)
 * @param readWrite paths visible read-write
 * @param workdir   the working directory inside the sandbox; absent: the server's {@code cwd} when written, else its private home
 * @param env       names of the gateway's own variables passed in (allowlist); absent: {@link #DEFAULT_ENV}
 * @param limits    resource and output limits
 * @param install   a first-install step run once before the server (see {@link Install}); absent: none
 */
public record SandboxConfig(boolean enabled, Network network, HostPort proxy, List<Path> readOnly, List<Path> readWrite,
                            Optional<Path> workdir, List<String> env, Limits limits, Optional<Install> install) {

    public enum Network { NONE, EGRESS }

    /** The egress proxy's default address (the egress helper's default listen address). */
    public static final HostPort DEFAULT_PROXY = new HostPort("127.0.0.1", 3128);
    /** Variables of the gateway's environment passed in when {@code env} is absent: nothing secret. */
    public static final List<String> DEFAULT_ENV = List.of("LANG", "LC_ALL", "TZ", "TERM");

    /**
     * @param memoryMb        address space (RLIMIT_AS) in MiB; Node needs at least 1536
     * @param cpuSeconds      CPU time (RLIMIT_CPU); 0: no limit (a long-lived server accumulates CPU time)
     * @param maxProcesses    processes and threads (RLIMIT_NPROC, counted per sandbox user); Node needs at least 16
     * @param maxOpenFiles    open file descriptors (RLIMIT_NOFILE)
     * @param maxFileSizeMb   largest file it may write (RLIMIT_FSIZE)
     * @param wallTimeout     a call running longer is a limit breach: the server is killed; absent: only the server's {@code timeout} (which does not kill)
     * @param maxMessageBytes a larger JSON-RPC message on stdout kills the server
     * @param maxStderrLines  stderr lines logged per 10 s; the rest are counted and dropped
     */
    public record Limits(int memoryMb, int cpuSeconds, int maxProcesses, int maxOpenFiles, int maxFileSizeMb,
                         Optional<Duration> wallTimeout, int maxMessageBytes, int maxStderrLines) {
        public static final int DEFAULT_MEMORY_MB = 4096;
        public static final int MIN_MEMORY_MB = 64;
        public static final int DEFAULT_CPU_SECONDS = 0;
        public static final int DEFAULT_MAX_PROCESSES = 128;
        public static final int DEFAULT_MAX_OPEN_FILES = 1024;
        public static final int DEFAULT_MAX_FILE_SIZE_MB = 1024;
        public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
        public static final int DEFAULT_MAX_STDERR_LINES = 200;
        public static final Limits DEFAULTS = new Limits(DEFAULT_MEMORY_MB, DEFAULT_CPU_SECONDS, DEFAULT_MAX_PROCESSES,
                DEFAULT_MAX_OPEN_FILES, DEFAULT_MAX_FILE_SIZE_MB, Optional.empty(), DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_MAX_STDERR_LINES);
    }

    /** {@code sandbox: none}: the server runs unconfined (output caps still apply). */
    public static final SandboxConfig NONE = new SandboxConfig(false, Network.NONE, DEFAULT_PROXY, List.of(), List.of(),
            Optional.empty(), DEFAULT_ENV, Limits.DEFAULTS);

    public SandboxConfig {
        readOnly = List.copyOf(readOnly);
        readWrite = List.copyOf(readWrite);
        env = List.copyOf(env);
    }

    /** A block without an install step. */
    public SandboxConfig(boolean enabled, Network network, HostPort proxy, List<Path> readOnly, List<Path> readWrite,
                         Optional<Path> workdir, List<String> env, Limits limits) {
        this(enabled, network, proxy, readOnly, readWrite, workdir, env, limits, Optional.empty());
    }

    /**
     * The first-install step of an {@code npx}/{@code uvx}-style server ({@code sandbox.install}): run once
     * per gateway process, before the server's first start, in the server's sandbox but with
     * {@code network: egress} (through the egress proxy, as the server's own principal) and the
     * {@code cache} paths read-write. The server itself then runs with its own {@code network} and
     * the cache read-only, so a compromised server cannot poison the cache for its next start.
     * A failed install keeps the server down with the reason ({@code sandbox: install ...}), retried
     * with the server's backoff.
     *
     * @param command absent: the server's own {@code command} (e.g. {@code npx})
     * @param args    the install's arguments, e.g. {@code [--yes, "@scope/server", --version]}
     * @param cache   package caches: read-write for the install, read-only for the server; must exist
     * @param timeout the install is killed after it and counts as failed ({@link #DEFAULT_INSTALL_TIMEOUT})
     */
    public record Install(Optional<String> command, List<String> args, List<Path> cache, Duration timeout) {
        public static final Duration DEFAULT_INSTALL_TIMEOUT = Duration.ofMinutes(5);

        public Install {
            args = List.copyOf(args);
            cache = List.copyOf(cache);
        }
    }

    /** What a stdio server without a {@code sandbox} block gets: no network, default limits. */
    public static SandboxConfig defaults() {
        return new SandboxConfig(true, Network.NONE, DEFAULT_PROXY, List.of(), List.of(), Optional.empty(), DEFAULT_ENV,
                Limits.DEFAULTS);
    }
}
