package dev.waygate.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What this machine offers for sandboxing, found once: where bubblewrap, prlimit and setpriv are,
 * whether the gateway runs as root (then the sandbox drops to an unprivileged uid, since
 * RLIMIT_NPROC does not bind root), whether cgroups v2 with the memory and pids controllers can
 * be used, and whether bubblewrap actually works here (it is run once with a trivial command).
 * A sandbox that cannot be set up is a reason not to start the server (fail closed).
 */
public final class SandboxHost {
    private static final List<Path> BIN_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/local/bin"));
    private static volatile SandboxHost current;

    private final Optional<Path> bwrap;
    private final Optional<Path> prlimit;
    private final Optional<Path> setpriv;
    private final boolean root;
    private final Cgroups cgroups;
    private final Optional<String> problem;
    private final long checkMillis;

    private SandboxHost(Optional<Path> bwrap, Optional<Path> prlimit, Optional<Path> setpriv, boolean root, Cgroups cgroups,
                        Optional<String> problem, long checkMillis) {
        this.bwrap = bwrap;
        this.prlimit = prlimit;
        this.setpriv = setpriv;
        this.root = root;
        this.cgroups = cgroups;
        this.problem = problem;
        this.checkMillis = checkMillis;
    }

    /** The facts of this machine, checked on first use and then kept (the check starts a process). */
    public static SandboxHost get() {
        SandboxHost h = current;
        if (h == null) {
            synchronized (SandboxHost.class) {
                if (current == null) {
                    current = detect();
                }
                h = current;
            }
        }
        return h;
    }

    static SandboxHost detect() {
        Optional<Path> bwrap = find("bwrap");
        Optional<Path> prlimit = find("prlimit");
        Optional<Path> setpriv = find("setpriv");
        boolean root = isRoot();
        Cgroups cgroups = Cgroups.detect();
        long began = System.nanoTime();
        Optional<String> problem = missing(bwrap, prlimit, setpriv, root)
                .or(() -> trial(bwrap.orElseThrow(), prlimit.orElseThrow(), setpriv, root));
        long ms = (System.nanoTime() - began) / 1_000_000;
        return new SandboxHost(bwrap, prlimit, setpriv, root, cgroups, problem, ms);
    }

    private static Optional<String> missing(Optional<Path> bwrap, Optional<Path> prlimit, Optional<Path> setpriv, boolean root) {
        if (bwrap.isEmpty()) {
            return Optional.of("bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)");
        }
        if (prlimit.isEmpty()) {
            return Optional.of("prlimit is not installed (util-linux)");
        }
        if (root && setpriv.isEmpty()) {
            return Optional.of("setpriv is not installed (util-linux); it is needed to leave root so that process limits bind");
        }
        return Optional.empty();
    }

    /** Runs the same wrapper chain as a server uses, around {@code /bin/true}. */
    private static Optional<String> trial(Path bwrap, Path prlimit, Optional<Path> setpriv, boolean root) {
        SandboxHost probe = new SandboxHost(Optional.of(bwrap), Optional.of(prlimit), setpriv, root, Cgroups.NONE,
                Optional.empty(), 0);
        List<String> argv = BwrapCommand.trial(probe);
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of("bubblewrap did not finish a trivial command within 20 s");
            }
            String out = new String(p.getInputStream().readNBytes(2000)).trim();
            if (p.exitValue() != 0) {
                return Optional.of("bubblewrap cannot create a sandbox here (exit " + p.exitValue() + "): "
                        + dev.waygate.mcp.LogText.printable(out)
                        + " (user namespaces must be enabled: sysctl kernel.unprivileged_userns_clone=1)");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot run bubblewrap: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking bubblewrap");
        }
    }

    static Optional<Path> find(String program) {
        for (Path dir : BIN_DIRS) {
            Path p = dir.resolve(program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** Why no server can be sandboxed here; empty when the trial run worked. */
    public Optional<String> problem() {
        return problem;
    }

    public Path bwrap() {
        return bwrap.orElseThrow();
    }

    public Path prlimit() {
        return prlimit.orElseThrow();
    }

    public Optional<Path> setpriv() {
        return setpriv;
    }

    /** The gateway runs as root: sandboxed servers run as an unprivileged uid of their own. */
    public boolean root() {
        return root;
    }

    public Cgroups cgroups() {
        return cgroups;
    }

    /** How long the start-time check took (the trial run of bubblewrap). */
    public long checkMillis() {
        return checkMillis;
    }

    /** For tests of the command line: a host with these tools and no trial run. */
    static SandboxHost of(Path bwrap, Path prlimit, Optional<Path> setpriv, boolean root) {
        return new SandboxHost(Optional.of(bwrap), Optional.of(prlimit), setpriv, root, Cgroups.NONE, Optional.empty(), 0);
    }
}
