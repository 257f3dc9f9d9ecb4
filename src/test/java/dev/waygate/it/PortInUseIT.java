package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} on a port that is taken: the upstreams start while Jetty does (for start-up
 * time), so when Jetty cannot bind, the gateway must still exit with one line and leave no upstream
 * process behind.
 */
class PortInUseIT {
    @TempDir
    Path dir;

    @Test
    void aTakenPortEndsTheGatewayAndItsUpstreams() throws Exception {
        Path pidFile = dir.resolve("upstream.pid");
        // Not an MCP server: it records its pid and waits; the gateway is gone before any handshake matters.
        String script = "require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)";
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path config = Files.writeString(dir.resolve("waygate.yaml"), """
                    version: 1
                    listen: 127.0.0.1:%d
                    data_dir: ./data
                    watch_config: false
                    servers:
                      slow: { command: node, args: ["-e", "%s", "%s"], sandbox: none }
                    """.formatted(taken.getLocalPort(), script.replace("\"", "\\\""), pidFile));

            Cli.Exit e = Cli.run(Map.of(), "serve", "--config", config.toString());

            assertThat(e.code()).as("stderr: %s", e.stderr()).isEqualTo(1);
            assertThat(e.stderr().lines().filter(l -> l.startsWith("waygate:")))
                    .last().asString().isEqualTo("waygate: Failed to bind to /127.0.0.1:" + taken.getLocalPort());
        }
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("upstream %d still running", pid).isFalse();
        }
    }
}
