package dev.waygate.upstream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.LineReader;
import dev.waygate.mcp.LogText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import dev.waygate.config.SandboxConfig;
import dev.waygate.sandbox.BwrapCommand;
import dev.waygate.sandbox.EgressBridge;
import dev.waygate.sandbox.InstallStep;
import dev.waygate.sandbox.ServerCredentials;
import dev.waygate.sandbox.WritablePaths;
import dev.waygate.sandbox.LimitBreach;
import dev.waygate.sandbox.SandboxException;
import dev.waygate.sandbox.SandboxHost;
import dev.waygate.sandbox.SandboxPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stdio MCP server: a subprocess speaking newline-delimited JSON-RPC on stdin/stdout. It gets a
 * minimal environment plus what its configuration names: the gateway's own environment (and the
 * secrets in it) is never passed through. Its stderr goes to the log, rate-capped. Unless its
 * configuration says {@code sandbox: none}, it runs in a bubblewrap sandbox with resource limits
 * ({@link BwrapCommand}); a sandbox that cannot be set up fails {@link #open} (the server is not
 * started). When a limit ends it, {@link #breach()} says which.
 */
final class StdioTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(StdioTransport.class);
    /** Stdout lines that are not JSON (stray log output) are logged at most this many per window; the rest are counted. */
    static final int NOISE_LINES = 20;
    static final long NOISE_WINDOW_NANOS = 10_000_000_000L;
    /** Variables a program commonly needs to start at all; nothing secret. */
    static final List<String> PASSED_ENV = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "SHELL",
            "TERM", "NODE_PATH", "npm_config_cache");

    private final ServerConfig config;
    private final Path defaultCwd;
    private final List<Path> hidden;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final StderrLimiter stderr;
    private volatile Process process;
    private volatile OutputStream stdin;
    private volatile EgressBridge bridge;
    private volatile ServerCredentials.Credential credential;
    private volatile LimitBreach breach;

    StdioTransport(ServerConfig config, Path defaultCwd) {
        this(config, defaultCwd, List.of());
    }

    /** @param hidden host paths a sandboxed server never sees (the gateway's data directory) */
    StdioTransport(ServerConfig config, Path defaultCwd, List<Path> hidden) {
        this.config = config;
        this.defaultCwd = defaultCwd;
        this.hidden = List.copyOf(hidden);
        this.stderr = new StderrLimiter(config.name(), LOG, config.sandbox().limits().maxStderrLines());
    }

    @Override
    public void open(Inbound inbound) throws IOException {
        spawn();
        Process p = process;
        stdin = p.getOutputStream();
        // Platform threads: a read from a process pipe blocks in native code and pins a virtual
        // thread's carrier. With as many upstream pipes as cores, every carrier was pinned and the
        // gateway stopped answering (seen on 2 cores under load; docs/decisions/0014).
        Thread.ofPlatform().daemon().name("upstream-" + config.name() + "-stderr").start(() -> pumpStderr(p));
        Thread.ofPlatform().daemon().name("upstream-" + config.name() + "-stdout").start(() -> pumpStdout(p, inbound));
    }

    /**
     * Starts the process, unless it was started already: {@link StartAhead} does it before the
     * gateway is assembled, {@link #open} then takes it over (its output waits in the pipes).
     */
    void spawn() throws IOException {
        if (process == null) {
            process = config.sandbox().enabled() ? startSandboxed() : startUnconfined();
        }
    }

    /** Whether this transport was made for a server started from this directory, hiding these paths. */
    boolean startedFor(Path defaultCwd, List<Path> hidden) {
        return java.util.Objects.equals(this.defaultCwd, defaultCwd) && this.hidden.equals(hidden);
    }

    private Process startSandboxed() throws IOException {
        SandboxHost host = SandboxHost.get();
        Optional<String> problem = host.problem();
        if (problem.isPresent()) {
            throw new SandboxException(problem.get());
        }
        InstallStep.ensure(host, config, defaultCwd, hidden, System.getenv());
        try {
            Optional<Path> egress = Optional.empty();
            if (config.sandbox().network() == SandboxConfig.Network.EGRESS) {
                bridge = EgressBridge.start(config.name(), config.sandbox().proxy());
                egress = Optional.of(bridge.dir());
                credential = ServerCredentials.mint(config.name());
            }
            SandboxPlan plan = BwrapCommand.plan(host, config, defaultCwd, hidden, System.getenv(), egress, Optional.ofNullable(credential));
            WritablePaths.check(host, plan);
            LOG.debug("[{}] sandbox: {}", config.name(), BwrapCommand.display(plan.argv()));
            ProcessBuilder pb = new ProcessBuilder(plan.argv()).directory(new java.io.File("/"));
            pb.environment().clear();
            pb.environment().putAll(plan.env());
            return pb.start();
        } catch (IOException | RuntimeException e) {
            releaseEgress();
            throw e;
        }
    }

    /** The bridge closes and the server's egress credential is revoked: nothing of this start reaches the proxy any more. */
    private void releaseEgress() {
        EgressBridge b = bridge;
        if (b != null) {
            b.close();
        }
        ServerCredentials.Credential c = credential;
        if (c != null) {
            c.close();
        }
    }

    private Process startUnconfined() throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(config.command().orElseThrow());
        cmd.addAll(config.args());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(config.cwd().orElse(defaultCwd).toFile());
        Map<String, String> env = pb.environment();
        Map<String, String> own = System.getenv();
        env.clear();
        for (String k : PASSED_ENV) {
            if (own.containsKey(k)) {
                env.put(k, own.get(k));
            }
        }
        env.putAll(config.env());
        return pb.start();
    }

    /** Which limit ended the server, once it has ended; empty while it runs or when it ended otherwise. */
    @Override
    public Optional<LimitBreach> breach() {
        return Optional.ofNullable(breach);
    }

    /** The gateway decided a limit was exceeded (wall time): the server is killed. */
    @Override
    public void kill(LimitBreach why) {
        if (breach == null) {
            breach = why;
        }
        close();
    }

    private void pumpStdout(Process p, Inbound inbound) {
        String reason = "stdout closed";
        try (var stdout = p.getInputStream()) {
            LineReader r = LineReader.failingFast(stdout, config.sandbox().limits().maxMessageBytes());
            LogWindow noise = new LogWindow(NOISE_LINES, NOISE_WINDOW_NANOS);
            while (r.advance()) {
                if (r.blank()) {
                    continue;
                }
                JsonNode m;
                try {
                    m = Json.parse(r.array(), r.offset(), r.length());   // from the bytes: no string per message
                } catch (IOException e) {
                    if (noise.admit(n -> LOG.warn("[{}] {} more stdout lines that are not JSON were ignored", config.name(), n))) {
                        LOG.warn("[{}] ignoring a stdout line that is not JSON: {}", config.name(), LogText.printable(r.text()));
                    }
                    continue;
                }
                inbound.message(m, null);
            }
        } catch (LineReader.TooLong e) {
            int max = config.sandbox().limits().maxMessageBytes();
            reason = "sent a message larger than " + max + " bytes";
            if (breach == null) {
                breach = new LimitBreach("output", "sent a message larger than " + max + " bytes");
            }
            close();
        } catch (IOException e) {
            reason = "stdout: " + e.getMessage();
        }
        try {
            if (p.waitFor(2, TimeUnit.SECONDS)) {
                reason = "exited with code " + p.exitValue();
                if (breach == null && config.sandbox().enabled()) {
                    Thread.sleep(50); // the last stderr lines (an abort message) may still be in the pipe
                    breach = LimitBreach.fromExit(p.exitValue(), stderr.tail(), config.sandbox().limits()).orElse(null);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        LimitBreach b = breach;
        if (b != null) {
            reason = b.message() + " (" + b.detail() + ")";
        }
        inbound.closed(reason);
    }

    private void pumpStderr(Process p) {
        StderrLimiter limiter = stderr;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                ServerCredentials.Credential c = credential;
                limiter.line(c == null ? line : c.redact(line)); // a server may print its proxy variables
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /**
     * Writes a message into the process's buffered stdin, neither closing nor flushing it: the
     * newline and one flush follow, so a message goes out in one write unless it outgrows the buffer.
     */
    private static final ObjectWriter LINE_WRITER = Json.MAPPER.writer()
            .without(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .without(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);

    @Override
    public void send(JsonNode message) throws IOException {
        OutputStream out = stdin;
        if (out == null) {
            throw new IOException("not running");
        }
        writeLock.lock();
        try {
            LINE_WRITER.writeValue(out, message); // into the stream's buffer: no array per message
            out.write('\n');
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String kind() {
        return "stdio";
    }

    /** Ends the process and its children (npx starts the real server as a child). */
    @Override
    public void close() {
        releaseEgress();
        Process p = process;
        if (p == null) {
            return;
        }
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                children.forEach(ProcessHandle::destroyForcibly);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
