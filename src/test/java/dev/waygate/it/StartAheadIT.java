package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} starts stdio servers' processes as soon as the configuration is read, before the
 * store opens (for start-up time): a gateway that then fails to assemble must still exit with one
 * line and leave no server process behind.
 */
class StartAheadIT {
    @TempDir
    Path dir;

    @Test
    void aGatewayThatCannotOpenItsStoreLeavesNoServerRunning() throws Exception {
        Path pidFile = dir.resolve("upstream.pid");
        String script = "require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)";
        Files.writeString(dir.resolve("data"), "a file where the data directory should be");
        Path config = Files.writeString(dir.resolve("waygate.yaml"), """
                version: 1
                listen: 127.0.0.1:0
                data_dir: ./data
                watch_config: false
                servers:
                  slow: { command: node, args: ["-e", "%s", "%s"], sandbox: none }
                """.formatted(script.replace("\"", "\\\""), pidFile));

        Cli.Exit e = Cli.run(Map.of(), "serve", "--config", config.toString());

        assertThat(e.code()).as("stderr: %s", e.stderr()).isEqualTo(1);
        assertThat(e.stderr().lines().filter(l -> l.startsWith("waygate:"))).last().asString().contains("data");
        if (Files.exists(pidFile)) {
            String text = Files.readString(pidFile).strip();
            if (!text.isEmpty()) {
                long pid = Long.parseLong(text);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("server %d still running", pid).isFalse();
            }
        }
    }
}
