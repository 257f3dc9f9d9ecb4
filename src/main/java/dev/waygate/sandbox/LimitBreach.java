package dev.waygate.sandbox;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which limit ended a server, read from how it ended. bubblewrap exits with 128 + the signal that
 * killed the server, so: SIGXCPU (the soft CPU limit) is {@code cpu}, SIGXFSZ is {@code file_size};
 * a V8 or glibc allocation failure (an abort, or exit with an "out of memory" message on stderr)
 * is {@code memory}. {@code output} and {@code wall_timeout} are decided by the gateway itself,
 * which kills the server; they are not read from the exit status.
 *
 * @param limit  {@code memory}, {@code cpu}, {@code file_size}, {@code output}, {@code wall_timeout}
 * @param detail a sentence for the log, the client's error and the audit entry
 */
public record LimitBreach(String limit, String detail) {
    static final int SIGABRT = 6;
    static final int SIGKILL = 9;
    static final int SIGXCPU = 24;
    static final int SIGXFSZ = 25;

    /** The text clients see as the error message: {@code limit exceeded: cpu}. */
    public String message() {
        return "limit exceeded: " + limit;
    }

    /**
     * @param exitCode   the sandbox's exit status
     * @param stderrTail the server's last stderr lines
     */
    public static Optional<LimitBreach> fromExit(int exitCode, List<String> stderrTail, dev.waygate.config.SandboxConfig.Limits l) {
        int signal = exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : 0;
        if (signal == SIGXCPU || (signal == SIGKILL && l.cpuSeconds() > 0 && mentions(stderrTail, "cpu time limit"))) {
            return Optional.of(new LimitBreach("cpu", "used more than " + l.cpuSeconds() + " CPU seconds"));
        }
        if (signal == SIGXFSZ) {
            return Optional.of(new LimitBreach("file_size", "wrote a file larger than " + l.maxFileSizeMb() + " MiB"));
        }
        if (exitCode != 0 && (mentions(stderrTail, "out of memory") || mentions(stderrTail, "allocation failed")
                || mentions(stderrTail, "cannot allocate memory") || mentions(stderrTail, "memoryerror"))) {
            return Optional.of(new LimitBreach("memory", "ran out of its " + l.memoryMb() + " MiB of address space"));
        }
        return Optional.empty();
    }

    private static boolean mentions(List<String> lines, String what) {
        return lines.stream().anyMatch(s -> s.toLowerCase(Locale.ROOT).contains(what));
    }
}
