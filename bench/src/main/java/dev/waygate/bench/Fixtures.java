package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.pipeline.Call;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What the benchmarks share: configurations read by the gateway's own {@link ConfigLoader} (so
 * globs, conditions and limits are built exactly as in production), a call scope, temp directories.
 */
final class Fixtures {
    private Fixtures() {}

    /** Servers the generated policies may name (commands are never started: reading a config does not). */
    private static final String SERVERS = """
            version: 1
            servers:
              github: { command: "true" }
              filesystem: { command: "true" }
              db: { command: "true" }
              other: { command: "true" }
            """;

    /**
     * A policy of {@code n} rules, default deny. Rule {@code n - 10} (the only rule when {@code n} is 1) is the one that
     * allows {@code alice} (role dev) to call {@code github__create_*} with {@code path} under
     * /srv/repos; the other rules are a mix that each stop at a different criterion for that call:
     * <ul>
     *   <li>3 in 10 name other principals (stop at the principal set);</li>
     *   <li>2 in 10 name other roles (stop at the role check);</li>
     *   <li>4 in 10 name the github server and a tool glob that does not match (an RE2 match each);</li>
     *   <li>1 in 10 match the tool but an argument condition fails (a path prefix or a pattern).</li>
     * </ul>
     */
    static GatewayConfig policyConfig(int n, String rateLimits) {
        StringBuilder y = new StringBuilder(SERVERS).append(rateLimits).append("policy:\n  default: deny\n  rules:\n");
        int matching = n - 10;
        for (int i = 0; i < n; i++) {
            y.append("    - ");
            if (i == matching || n == 1) {
                y.append("{ name: match, principals: [alice, bob], roles: [dev], servers: [github], "
                        + "tools: [\"github__create_*\", \"github__get_*\"], arguments: { path: { prefix: [/srv/repos, /srv/docs] } }, "
                        + "effect: allow, risk: medium }\n");
                continue;
            }
            switch (i % 10) {
                case 0, 1, 2 -> y.append("{ name: r").append(i).append(", principals: [user-").append(i)
                        .append("], tools: [\"github__*\"], effect: allow }\n");
                case 3, 4 -> y.append("{ name: r").append(i).append(", roles: [team-").append(i)
                        .append("], servers: [github, db], effect: allow }\n");
                case 5, 6, 7, 8 -> y.append("{ name: r").append(i).append(", servers: [github], tools: [\"github__tool_")
                        .append(i).append("_*\", \"*__admin_").append(i).append("\"], effect: ").append(i % 2 == 0 ? "allow" : "deny")
                        .append(" }\n");
                default -> y.append(i % 20 == 9
                        ? "{ name: r" + i + ", tools: [\"github__create_*\"], arguments: { path: { prefix: /srv/other-" + i
                                + " } }, effect: allow }\n"
                        : "{ name: r" + i + ", tools: [\"github__create_*\"], arguments: { title: { pattern: \"DROP-" + i
                                + " .*\" } }, effect: deny }\n");
            }
        }
        return load(y.toString());
    }

    static GatewayConfig load(String yaml) {
        try {
            Path dir = Files.createTempDirectory("waygate-bench-config");
            Path file = dir.resolve("waygate.yaml");
            Files.writeString(file, yaml);
            GatewayConfig c = ConfigLoader.load(file);
            delete(dir);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Under {@code $BENCH_DIR} (default: the system temp directory): fsync must reach the disk to be
     * measured, not a tmpfs. An environment variable, because JMH's forked JVMs inherit it.
     */
    static Path tempDir(String prefix) {
        try {
            String base = System.getenv("BENCH_DIR");
            if (base != null) {
                Files.createDirectories(Path.of(base));
                return Files.createTempDirectory(Path.of(base), prefix);
            }
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client scope that is never used by the stages benchmarked. */
    static final class NoScope implements Call.Scope {
        @Override public String sessionId() { return "bench"; }
        @Override public ClientChannel channel() { return ClientChannel.CLOSED; }
        @Override public void onCancel(Runnable action) { }
        @Override public boolean cancelled() { return false; }
        @Override public JsonNode requestClient(String method, ObjectNode params) { throw new UnsupportedOperationException(); }
        @Override public boolean clientSupports(String capability) { return false; }
    }
}
