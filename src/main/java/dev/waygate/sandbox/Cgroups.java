package dev.waygate.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether cgroups v2 can add memory and process-count limits that cover a server and all its
 * children together. Found at start and reported; when they cannot be used, the per-process
 * limits of prlimit are what binds (see decision 0011).
 *
 * @param usable      a writable cgroup v2 hierarchy offering both the memory and pids controllers
 * @param description what was found, for {@code /diagnostics/security} and {@code waygate sandbox test}
 */
public record Cgroups(boolean usable, String description) {
    static final Cgroups NONE = new Cgroups(false, "not checked");
    private static final List<Path> MOUNTS = List.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified"));

    static Cgroups detect() {
        for (Path m : MOUNTS) {
            Path controllers = m.resolve("cgroup.controllers");
            if (!Files.isRegularFile(controllers)) {
                continue;
            }
            String have;
            try {
                have = Files.readString(controllers).trim();
            } catch (IOException e) {
                continue;
            }
            List<String> list = List.of(have.split("\\s+"));
            boolean writable = Files.isWritable(m);
            if (list.contains("memory") && list.contains("pids") && writable) {
                return new Cgroups(true, "cgroup v2 at " + m + " with memory and pids controllers, writable "
                        + "(not used yet: prlimit limits apply per process)");
            }
            return new Cgroups(false, "cgroup v2 at " + m + (writable ? " is writable" : " is read-only")
                    + " but offers only [" + have + "]: no memory or pids controller; prlimit limits apply per process");
        }
        return new Cgroups(false, "no cgroup v2 hierarchy found; prlimit limits apply per process");
    }
}
