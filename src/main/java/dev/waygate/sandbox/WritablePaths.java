package dev.waygate.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Checks, before a server starts, that every path its sandbox binds read-write ({@code read_write},
 * the install's caches) can be written by the user the server runs as. Otherwise the server would
 * start and fail at its first write with EACCES or EROFS, far from the cause; instead it is not
 * started and {@code /ready} names the path and why.
 * <p>As an ordinary user the sandbox keeps the gateway's uid, so {@code access(2)} from this process
 * is the answer ({@link Files#isWritable}). As root the sandbox runs as a uid of its own, and root's
 * {@code access(2)} says yes to everything, so the check runs {@code test -w} as that uid (through
 * the same {@code setpriv} as the server): the kernel decides, ACLs and read-only mounts included.
 */
public final class WritablePaths {
    private WritablePaths() {}

    /** Throws, naming the path, when one the plan binds read-write cannot be written by the sandbox's user. */
    public static void check(SandboxHost host, SandboxPlan plan) throws SandboxException {
        List<Path> writable = plan.binds().stream().filter(Bind::writable).map(Bind::path).toList();
        if (writable.isEmpty()) {
            return;
        }
        Optional<Path> refused = plan.uid() < 0 ? firstNotWritableHere(writable) : firstNotWritableAs(host, plan.uid(), writable);
        if (refused.isPresent()) {
            Path p = refused.get();
            String why = plan.binds().stream().filter(b -> b.writable() && b.path().equals(p)).findFirst().map(Bind::why).orElse("read_write");
            throw new SandboxException(why + " path " + p + " is not writable by the sandbox ("
                    + (plan.uid() < 0 ? "the gateway's uid" : "uid " + plan.uid()) + "; " + describe(p)
                    + "): grant it write access or remove it from " + why);
        }
    }

    static Optional<Path> firstNotWritableHere(List<Path> paths) {
        return paths.stream().filter(p -> !Files.isWritable(p) || (Files.isDirectory(p) && !Files.isExecutable(p))).findFirst();
    }

    /** One process for all paths: prints the first one the uid cannot write (or enter, for a directory). */
    private static Optional<Path> firstNotWritableAs(SandboxHost host, int uid, List<Path> paths) throws SandboxException {
        List<String> argv = new ArrayList<>(List.of(host.setpriv().orElseThrow().toString(), "--reuid=" + uid, "--regid=" + uid,
                "--clear-groups", "--inh-caps=-all", "/bin/sh", "-c",
                "for p; do if [ ! -w \"$p\" ] || { [ -d \"$p\" ] && [ ! -x \"$p\" ]; }; then printf '%s' \"$p\"; exit 1; fi; done",
                "sh"));
        paths.forEach(p -> argv.add(p.toString()));
        try {
            Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).directory(new java.io.File("/")).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readNBytes(8192)).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SandboxException("could not check the read_write paths within 20 s");
            }
            if (p.exitValue() == 0) {
                return Optional.empty();
            }
            return Optional.of(paths.stream().filter(x -> x.toString().equals(out)).findFirst().orElse(paths.getFirst()));
        } catch (IOException e) {
            throw new SandboxException("could not check the read_write paths: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while checking the read_write paths");
        }
    }

    private static String describe(Path p) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            return "owner " + a.owner().getName() + ", mode " + PosixFilePermissions.toString(a.permissions())
                    + (Files.getFileStore(p).isReadOnly() ? ", on a read-only file system" : "");
        } catch (IOException | UnsupportedOperationException e) {
            return "attributes unreadable";
        }
    }
}
