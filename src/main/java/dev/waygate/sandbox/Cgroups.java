package dev.waygate.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Whether a delegated cgroup v2 could add the limits prlimit cannot give: memory and a process
 * count for a server <em>and all its children together</em> ({@code memory.max}, {@code pids.max}).
 * Found at start and reported at {@code /diagnostics/security}; the gateway does not use cgroups yet
 * (decision 0011), so the per-process limits of prlimit are what binds either way. The check, in order:
 * <ol>
 *   <li>{@code /proc/self/cgroup} has a v2 line ({@code 0::/path}); a v1-only host has none;</li>
 *   <li>the v2 hierarchy is mounted ({@code /sys/fs/cgroup}, or {@code /sys/fs/cgroup/unified} on a hybrid host);</li>
 *   <li>the gateway's own cgroup offers both the {@code memory} and {@code pids} controllers
 *       ({@code cgroup.controllers} there);</li>
 *   <li>it is delegated to the gateway: {@code cgroup.subtree_control} and {@code cgroup.procs} are writable,
 *       so child groups could be made and processes moved into them.</li>
 * </ol>
 *
 * @param usable      all four hold
 * @param description what was found, for {@code /diagnostics/security} and {@code waygate sandbox test}
 */
public record Cgroups(boolean usable, String description) {
    static final Cgroups NONE = new Cgroups(false, "not checked");
    static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final List<Path> MOUNTS = List.of(ROOT, ROOT.resolve("unified"));

    static Cgroups detect() {
        return assess(read(Path.of("/proc/self/cgroup")).orElse(""), Cgroups::read, Files::isWritable);
    }

    /**
     * @param procSelfCgroup the contents of {@code /proc/self/cgroup}
     * @param read           a file's contents, empty when it cannot be read
     * @param writable       whether this process may write a file
     */
    static Cgroups assess(String procSelfCgroup, Function<Path, Optional<String>> read, Predicate<Path> writable) {
        Optional<String> own = procSelfCgroup.lines().filter(l -> l.startsWith("0::")).map(l -> l.substring(3).trim()).findFirst();
        if (own.isEmpty()) {
            return new Cgroups(false, "no cgroup v2 (this host has cgroup v1 only); prlimit limits apply per process");
        }
        Optional<Path> mount = MOUNTS.stream().filter(m -> read.apply(m.resolve("cgroup.controllers")).isPresent()).findFirst();
        if (mount.isEmpty()) {
            return new Cgroups(false, "no cgroup v2 hierarchy mounted; prlimit limits apply per process");
        }
        String rel = own.get().startsWith("/") ? own.get().substring(1) : own.get();
        Path dir = rel.isEmpty() ? mount.get() : mount.get().resolve(rel).normalize();
        Optional<String> controllers = read.apply(dir.resolve("cgroup.controllers"));
        if (controllers.isEmpty()) {
            return new Cgroups(false, "the gateway's cgroup " + dir + " is not visible; prlimit limits apply per process");
        }
        List<String> have = List.of(controllers.get().trim().split("\\s+")).stream().filter(s -> !s.isEmpty()).toList();
        List<String> missing = List.of("memory", "pids").stream().filter(c -> !have.contains(c)).toList();
        if (!missing.isEmpty()) {
            return new Cgroups(false, "cgroup v2 at " + dir + " offers [" + String.join(" ", have) + "]: no "
                    + String.join(" or ", missing) + " controller; prlimit limits apply per process");
        }
        if (!writable.test(dir.resolve("cgroup.subtree_control")) || !writable.test(dir.resolve("cgroup.procs"))) {
            return new Cgroups(false, "cgroup v2 at " + dir + " has the memory and pids controllers but is not delegated to "
                    + "the gateway (cgroup.subtree_control or cgroup.procs not writable); prlimit limits apply per process");
        }
        return new Cgroups(true, "cgroup v2 at " + dir + " with memory and pids controllers, delegated "
                + "(not used yet: prlimit limits apply per process)");
    }

    private static Optional<String> read(Path p) {
        try {
            return Files.isRegularFile(p) ? Optional.of(Files.readString(p)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
