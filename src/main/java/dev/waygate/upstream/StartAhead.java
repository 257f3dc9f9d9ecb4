package dev.waygate.upstream;

import dev.waygate.config.GatewayConfig;
import dev.waygate.config.SandboxConfig;
import dev.waygate.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes of stdio servers, started as soon as the configuration is read: a server's own
 * start (Node's, Python's: a few hundred milliseconds) then overlaps the gateway's (store, audit
 * journal, HTTP front) instead of following it, which is most of the time from start to
 * {@code /ready} when a server is configured (docs/decisions/0030). Only the process is started
 * here, exactly as {@link StdioTransport#open} would start it (the same sandbox, with the trial
 * run of bubblewrap first, limits and environment); the handshake, and everything that depends on
 * the store and the audit journal, waits for the upstream's normal start, which takes the process
 * over ({@link #take}). A server whose sandbox reaches the network through the egress proxy is not
 * started ahead (the proxy starts with the gateway), nor is anything after the first start.
 *
 * <p>Nothing is decided here: if starting ahead fails (no working sandbox, a missing program), the
 * failure is dropped and the upstream's normal start tries again and reports it as before.
 */
public final class StartAhead {
    /** By configuration object (identity): two gateways in one JVM (tests) never take each other's. */
    private static final Map<ServerConfig, CompletableFuture<StdioTransport>> PENDING = new IdentityHashMap<>();

    private StartAhead() {}

    /**
     * Starts, on a thread of its own, the process of every stdio server that can be started ahead;
     * returns their names.
     */
    public static List<String> begin(GatewayConfig config) {
        List<ServerConfig> servers = config.servers().values().stream()
                .filter(s -> s.transport() == ServerConfig.Transport.STDIO)
                .filter(s -> !(s.sandbox().enabled() && s.sandbox().network() == SandboxConfig.Network.EGRESS))
                .toList();
        if (servers.isEmpty()) {
            return List.of();
        }
        // As the router's Upstreams makes them; take() checks that they match.
        Path cwd = config.file().getParent();
        List<Path> hidden = List.of(config.dataDir());
        Map<ServerConfig, CompletableFuture<StdioTransport>> mine = new IdentityHashMap<>();
        synchronized (PENDING) {
            for (ServerConfig s : servers) {
                CompletableFuture<StdioTransport> f = new CompletableFuture<>();
                mine.put(s, f);
                PENDING.put(s, f);
            }
        }
        Thread.ofPlatform().daemon().name("start-ahead").start(() -> mine.forEach((s, f) -> {
            StdioTransport t = new StdioTransport(s, cwd, hidden);
            try {
                t.spawn();
                f.complete(t);
            } catch (IOException | RuntimeException e) {
                t.close();
                f.complete(null); // the normal start meets the same problem and reports it
            }
        }));
        return servers.stream().map(ServerConfig::name).toList();
    }

    /**
     * The transport whose process was started ahead for this server, once (later starts are
     * normal ones); empty when none was. Waits until starting it ahead has finished, so that a
     * server never runs twice.
     */
    static Optional<StdioTransport> take(ServerConfig server, Path defaultCwd, List<Path> hidden) throws IOException {
        CompletableFuture<StdioTransport> f;
        synchronized (PENDING) {
            f = PENDING.remove(server);
        }
        if (f == null) {
            return Optional.empty();
        }
        try {
            StdioTransport t = f.get();
            if (t != null && !t.startedFor(defaultCwd, hidden)) {
                t.close();
                return Optional.empty();
            }
            return Optional.ofNullable(t);
        } catch (InterruptedException e) {
            f.thenAccept(t -> close(t));
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the server");
        } catch (ExecutionException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops what was started ahead for this configuration and never taken (a gateway that failed to
     * assemble, or stopped before its upstreams started). Waits a little for a start in progress, so
     * that the process is stopped before the JVM exits; a start that takes longer (an install step)
     * is stopped when it ends.
     */
    public static void discard(GatewayConfig config) {
        for (ServerConfig s : config.servers().values()) {
            CompletableFuture<StdioTransport> f;
            synchronized (PENDING) {
                f = PENDING.remove(s);
            }
            if (f == null) {
                continue;
            }
            try {
                close(f.get(5, TimeUnit.SECONDS));
            } catch (TimeoutException | ExecutionException e) {
                f.thenAccept(StartAhead::close);
            } catch (InterruptedException e) {
                f.thenAccept(StartAhead::close);
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void close(StdioTransport t) {
        if (t != null) {
            t.close();
        }
    }
}
