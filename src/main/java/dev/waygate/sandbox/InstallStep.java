package dev.waygate.sandbox;

import dev.waygate.config.HostPort;
import dev.waygate.config.SandboxConfig;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.LogText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a server's first-install step ({@link SandboxConfig.Install}) before its first start: in the
 * server's sandbox, with {@code network: egress} through its own {@link EgressBridge} and
 * {@link ServerCredentials} (so egress rules for {@code server:NAME} decide what the install may
 * fetch), the caches read-write, stdin empty, killed after its timeout. Once it has succeeded in
 * this process it is not run again for the same server, install and caches (restarts after a crash
 * reuse the cache); a failure is thrown, the server is not started, and the next start tries again.
 */
public final class InstallStep {
    private static final Logger LOG = LoggerFactory.getLogger(InstallStep.class);
    private static final int TAIL_LINES = 5;
    /** Installs done in this process, keyed by what they did, so an identical install is not repeated. */
    private static final Set<List<Object>> DONE = ConcurrentHashMap.newKeySet();
    private static final Map<List<Object>, Object> LOCKS = new ConcurrentHashMap<>();

    private InstallStep() {}

    /** Runs the install unless it already succeeded; throws when it fails (the server must not start). */
    public static void ensure(SandboxHost host, ServerConfig server, Path defaultCwd, List<Path> hidden, Map<String, String> own)
            throws SandboxException {
        SandboxConfig sb = server.sandbox();
        if (sb.install().isEmpty()) {
            return;
        }
        List<Object> key = List.of(server.name(), sb.install().get(), server.command().orElseThrow(), server.cwd(), server.env());
        synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
            if (DONE.contains(key)) {
                return;
            }
            run(host, server, defaultCwd, hidden, own, sb.proxy());
            DONE.add(key);
        }
    }

    private static void run(SandboxHost host, ServerConfig server, Path defaultCwd, List<Path> hidden, Map<String, String> own,
                            HostPort proxy) throws SandboxException {
        SandboxConfig.Install install = server.sandbox().install().orElseThrow();
        long began = System.nanoTime();
        EgressBridge bridge;
        try {
            bridge = EgressBridge.start(server.name() + "-install", proxy);
        } catch (IOException e) {
            throw new SandboxException("install: cannot start the egress bridge: " + e.getMessage());
        }
        try (bridge; ServerCredentials.Credential credential = ServerCredentials.mint(server.name())) {
            SandboxPlan plan = BwrapCommand.installPlan(host, server, defaultCwd, hidden, own, bridge.dir(), credential);
            WritablePaths.check(host, plan);
            LOG.info("[{}] install: {} {} (network: egress as {}{}; caches read-write)", server.name(),
                    install.command().orElse(server.command().orElseThrow()), BwrapCommand.display(install.args()),
                    ServerCredentials.PREFIX, server.name());
            ProcessBuilder pb = new ProcessBuilder(plan.argv()).directory(new java.io.File("/")).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(plan.env());
            Process p = pb.start();
            p.getOutputStream().close();
            Deque<String> tail = new ArrayDeque<>();
            Thread reader = Thread.ofPlatform().daemon().name("install-" + server.name()).start(() -> read(server.name(), p, tail, credential));
            if (!p.waitFor(install.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                List<ProcessHandle> tree = p.descendants().toList();
                tree.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                // reaped before the failure is reported: a retry must not find the last attempt still running
                for (ProcessHandle h : tree) {
                    h.onExit().completeOnTimeout(h, 5, TimeUnit.SECONDS).join();
                }
                p.waitFor(5, TimeUnit.SECONDS);
                throw new SandboxException("install did not finish within " + install.timeout().toSeconds() + " s");
            }
            reader.join(2000);
            if (p.exitValue() != 0) {
                String last;
                synchronized (tail) {
                    last = tail.isEmpty() ? "no output" : String.join(" | ", tail);
                }
                throw new SandboxException("install failed (exit " + p.exitValue() + "): " + last);
            }
            LOG.info("[{}] install: done in {} ms", server.name(), (System.nanoTime() - began) / 1_000_000);
        } catch (IOException e) {
            throw e instanceof SandboxException s ? s : new SandboxException("install: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("install interrupted");
        }
    }

    /** The install's output goes to the log (printable, line by line); its last lines explain a failure. */
    private static void read(String server, Process p, Deque<String> tail, ServerCredentials.Credential credential) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String shown = LogText.printable(credential.redact(line));
                shown = shown.length() > 500 ? shown.substring(0, 500) + "…" : shown;
                LOG.info("[{}] install: {}", server, shown);
                synchronized (tail) {
                    tail.addLast(shown);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}
