package dev.waygate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stdio servers started before the gateway is assembled: each process once, taken over by the
 * upstream's first start, stopped when nobody takes it; never a server whose sandbox needs the egress proxy.
 */
class StartAheadTest {
    /** Records its pid, then waits on stdin as an MCP server would. */
    private static final String SCRIPT = "require('fs').writeFileSync(process.argv[1], String(process.pid)); process.stdin.resume()";

    @TempDir
    Path dir;

    private GatewayConfig config(String servers) throws IOException {
        Path f = dir.resolve("waygate.yaml");
        Files.writeString(f, "version: 1\nlisten: 127.0.0.1:0\ndata_dir: ./data\nwatch_config: false\nservers:\n" + servers);
        return ConfigLoader.load(f);
    }

    private String server(String name, String extra) {
        return "  %s: { command: node, args: [\"-e\", \"%s\", \"%s\"], %s }\n".formatted(name, SCRIPT.replace("\"", "\\\""),
                dir.resolve(name + ".pid"), extra);
    }

    private long pidOf(String name) throws Exception {
        Path f = dir.resolve(name + ".pid");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(Files.exists(f) && !Files.readString(f).isBlank())) {
            assertThat(System.nanoTime()).as("%s never started", name).isLessThan(deadline);
            Thread.sleep(20);
        }
        return Long.parseLong(Files.readString(f).strip());
    }

    private static boolean endsWithin(long pid, Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Test
    void theProcessStartsAheadAndIsTakenOverOnce() throws Exception {
        GatewayConfig c = config(server("a", "sandbox: none"));
        StartAhead.begin(c);
        long pid = pidOf("a"); // started before any upstream exists

        Optional<StdioTransport> taken = StartAhead.take(c.servers().get("a"), c.file().getParent(), List.of(c.dataDir()));
        assertThat(taken).isPresent();
        assertThat(StartAhead.take(c.servers().get("a"), c.file().getParent(), List.of(c.dataDir())))
                .as("a later start is a normal one").isEmpty();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

        taken.get().close();
        assertThat(endsWithin(pid, Duration.ofSeconds(20))).isTrue();
    }

    @Test
    void whatNobodyTakesIsStoppedByDiscard() throws Exception {
        GatewayConfig c = config(server("a", "sandbox: none") + server("b", "sandbox: none"));
        StartAhead.begin(c);
        long a = pidOf("a");
        long b = pidOf("b");

        StartAhead.discard(c); // a gateway that failed to assemble, or stopped before its upstreams started

        assertThat(endsWithin(a, Duration.ofSeconds(20))).as("a still running").isTrue();
        assertThat(endsWithin(b, Duration.ofSeconds(20))).as("b still running").isTrue();
        assertThat(StartAhead.take(c.servers().get("a"), c.file().getParent(), List.of(c.dataDir()))).isEmpty();
    }

    @Test
    void aTransportMadeForOtherPathsIsNotUsed() throws Exception {
        GatewayConfig c = config(server("a", "sandbox: none"));
        StartAhead.begin(c);
        long pid = pidOf("a");

        assertThat(StartAhead.take(c.servers().get("a"), dir.resolve("elsewhere"), List.of(c.dataDir()))).isEmpty();
        assertThat(endsWithin(pid, Duration.ofSeconds(20))).as("the unused process is stopped").isTrue();
    }

    @Test
    void aServerBehindTheEgressProxyIsNotStartedAhead() throws Exception {
        GatewayConfig c = config(server("e", "sandbox: { network: egress, proxy: '127.0.0.1:3129' }") + server("n", "sandbox: none"));

        assertThat(StartAhead.begin(c)).containsExactly("n");
        pidOf("n");
        assertThat(StartAhead.take(c.servers().get("e"), c.file().getParent(), List.of(c.dataDir()))).isEmpty();
        StartAhead.discard(c);
    }
}
