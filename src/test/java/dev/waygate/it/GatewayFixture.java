package dev.waygate.it;

import dev.waygate.Gateway;
import dev.waygate.auth.KeyStore;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.store.Database;
import dev.waygate.upstream.Upstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A real gateway in this JVM, on an ephemeral loopback port, with a configuration written by the
 * test and a fresh data directory holding one API key.
 */
public final class GatewayFixture implements AutoCloseable {
    /** The project's test fixtures: real MCP servers and clients from the npm registry. */
    public static final Path NODE = Path.of("fixtures/node").toAbsolutePath();
    public static final Path MODULES = NODE.resolve("node_modules");

    public static String everything() {
        return MODULES.resolve("@modelcontextprotocol/server-everything/dist/index.js").toString();
    }

    public static String filesystem() {
        return MODULES.resolve("@modelcontextprotocol/server-filesystem/dist/index.js").toString();
    }

    public static String memory() {
        return MODULES.resolve("@modelcontextprotocol/server-memory/dist/index.js").toString();
    }

    /** A stdio MCP server written for these tests (raw JSON lines): tools hang, echo, cancellations, received. */
    public static String probe() {
        return Path.of("src/test/resources/probe-server.mjs").toAbsolutePath().toString();
    }

    /** A free loopback port (for upstreams the test starts itself). */
    public static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts a server process the test owns (a remote upstream), its output going to target/it-logs/NAME.log. */
    public static Process spawn(String name, java.util.Map<String, String> env, String... command) throws IOException {
        Path logs = Files.createDirectories(Path.of("target/it-logs"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Ends a process started by {@link #spawn} and its children. */
    public static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
    }

    /** Waits until something accepts connections on this loopback port. */
    public static void awaitListening(int port, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing listens on port " + port + " after " + timeout);
    }

    /** A configuration file and a data directory holding one API key, not yet started. */
    public record Prepared(Path dir, Path file, GatewayConfig config, String key) {}

    /**
     * Writes {@code version}, {@code listen}, {@code data_dir} plus {@code rest} to a fresh directory
     * and creates a key. Without a {@code policy} section in {@code rest}, one that allows everything
     * is added (tests of the policy itself write their own).
     */
    public static Prepared prepare(String rest) throws Exception {
        if (!hasPolicy(rest)) {
            rest = rest + (rest.endsWith("\n") ? "" : "\n") + "policy: { default: allow }\n";
        }
        return prepareAsWritten(rest);
    }

    private static boolean hasPolicy(String rest) {
        return rest.contains("\npolicy:") || rest.startsWith("policy:");
    }

    private static Prepared prepareAsWritten(String rest) throws Exception {
        Path dir = Files.createTempDirectory("waygate-it");
        // Sandboxed servers start in (an empty view of) the configuration's directory, as a uid of
        // their own when the tests run as root: it must be reachable by them. The data directory
        // inside stays owner-only (the gateway makes it so) and is never visible in a sandbox.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = dir.resolve("waygate.yaml");
        Files.writeString(file, "version: 1\nlisten: 127.0.0.1:0\ndata_dir: data\n" + rest);
        GatewayConfig config = ConfigLoader.load(file);
        String key;
        try (Database db = Database.open(config.dataDir())) {
            key = new KeyStore(db).create("tester", Set.of("dev"), Optional.empty()).key();
        }
        return new Prepared(dir, file, config, key);
    }

    private final Path dir;
    private final Gateway gateway;
    private final String key;

    private GatewayFixture(Path dir, Gateway gateway, String key) {
        this.dir = dir;
        this.gateway = gateway;
        this.key = key;
    }

    /**
     * Starts a gateway whose configuration is {@code version}, {@code listen}, {@code data_dir} plus
     * {@code rest}; without a {@code policy} section in {@code rest}, one that allows everything is
     * added (tests of the policy itself write their own).
     */
    public static GatewayFixture start(String rest) throws Exception {
        return launch(prepare(rest));
    }

    /** Starts a gateway with no {@code policy} section at all: the configuration's own default (deny everything). */
    public static GatewayFixture startWithoutPolicy(String rest) throws Exception {
        if (hasPolicy(rest)) {
            throw new IllegalArgumentException("the configuration has a policy section");
        }
        return launch(prepareAsWritten(rest));
    }

    private static GatewayFixture launch(Prepared p) throws Exception {
        Gateway g = new Gateway(p.config());
        g.start();
        return new GatewayFixture(p.dir(), g, p.key());
    }

    public String key() {
        return key;
    }

    /**
     * Creates another API key in the running gateway's store (keys are looked up per request, so it
     * works at once) and returns it.
     */
    public String createKey(String principal, String... roles) {
        try (Database db = Database.open(gateway.config().dataDir())) {
            return new KeyStore(db).create(principal, Set.of(roles), Optional.empty()).key();
        }
    }

    public Path dir() {
        return dir;
    }

    public Gateway gateway() {
        return gateway;
    }

    public String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    public String mcpUrl() {
        return base() + "/mcp";
    }

    public String sseUrl() {
        return base() + "/sse";
    }

    public Upstream upstream(String name) {
        return gateway.router().upstreams().stream().filter(u -> u.name().equals(name)).findFirst().orElseThrow();
    }

    /** Waits until /ready says 200 (every required upstream finished its handshake and lists are read). */
    public GatewayFixture awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpClient http = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && gateway.router().toolCount() > 0) {
                return this;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("gateway not ready within " + timeout);
    }

    /** Waits until tools/list offers every one of these names (some upstreams register tools after the handshake). */
    public GatewayFixture awaitTools(Duration timeout, String... names) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        McpHttp raw = new McpHttp(mcpUrl(), key);
        String session = raw.session();
        List<String> have = List.of();
        while (System.nanoTime() < deadline) {
            have = raw.toolNames(session);
            if (have.containsAll(List.of(names))) {
                return this;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("tools " + List.of(names) + " not offered within " + timeout + "; offered: " + have
                + "; catalog problems: " + gateway.router().catalogProblems());
    }

    @Override
    public void close() throws Exception {
        gateway.close();
        deleteTree(dir);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
