package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stdio MCP server: a subprocess speaking newline-delimited JSON-RPC on stdin/stdout. It gets a
 * minimal environment plus what its configuration names: the gateway's own environment (and the
 * secrets in it) is never passed through. Its stderr goes to the log, rate-capped.
 */
final class StdioTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(StdioTransport.class);
    /** Variables a program commonly needs to start at all; nothing secret. */
    static final List<String> PASSED_ENV = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "SHELL",
            "TERM", "NODE_PATH", "npm_config_cache");
    /** A message larger than this ends the connection: the server is restarted (a hostile one cannot exhaust memory). */
    static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    private final ServerConfig config;
    private final Path defaultCwd;
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile Process process;
    private volatile OutputStream stdin;

    StdioTransport(ServerConfig config, Path defaultCwd) {
        this.config = config;
        this.defaultCwd = defaultCwd;
    }

    @Override
    public void open(Inbound inbound) throws IOException {
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
        Process p = pb.start();
        process = p;
        stdin = p.getOutputStream();
        // Platform threads: a read from a process pipe blocks in native code and pins a virtual
        // thread's carrier. With as many upstream pipes as cores, every carrier was pinned and the
        // gateway stopped answering (seen on 2 cores under load; docs/decisions/0014).
        Thread.ofPlatform().daemon().name("upstream-" + config.name() + "-stderr").start(() -> pumpStderr(p));
        Thread.ofPlatform().daemon().name("upstream-" + config.name() + "-stdout").start(() -> pumpStdout(p, inbound));
    }

    private void pumpStdout(Process p, Inbound inbound) {
        String reason = "stdout closed";
        try (var stdout = p.getInputStream()) {
            LineReader r = new LineReader(stdout, MAX_LINE_BYTES);
            String line;
            while ((line = r.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode m;
                try {
                    m = Json.parse(line);
                } catch (IOException e) {
                    LOG.warn("[{}] ignoring a stdout line that is not JSON: {}", config.name(), LogText.printable(line));
                    continue;
                }
                inbound.message(m, null);
            }
        } catch (LineReader.TooLong e) {
            reason = "sent a message larger than " + MAX_LINE_BYTES + " bytes";
        } catch (IOException e) {
            reason = "stdout: " + e.getMessage();
        }
        try {
            if (p.waitFor(2, TimeUnit.SECONDS)) {
                reason = "exited with code " + p.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        inbound.closed(reason);
    }

    private void pumpStderr(Process p) {
        StderrLimiter limiter = new StderrLimiter(config.name(), LOG);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                limiter.line(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    @Override
    public void send(JsonNode message) throws IOException {
        OutputStream out = stdin;
        if (out == null) {
            throw new IOException("not running");
        }
        byte[] bytes = Json.bytes(message);
        writeLock.lock();
        try {
            out.write(bytes);
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
