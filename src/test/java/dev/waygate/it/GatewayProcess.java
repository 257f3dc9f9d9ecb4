package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code waygate serve} in its own process (what bin/waygate runs, from this build's classes), for
 * tests that kill it. It listens where its configuration says; with port 0 the port is read from
 * the line it prints. Its output goes to target/it-logs/NAME.log.
 */
record GatewayProcess(Process process, int port) {
    static final Duration START = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/mcp");

    /** Starts it with only PATH and HOME in its environment and waits until /ready says 200. */
    static GatewayProcess start(GatewayFixture.Prepared p, String name) throws Exception {
        return start(p, name, List.of());
    }

    /** The same, with these options for its JVM. */
    static GatewayProcess start(GatewayFixture.Prepared p, String name, List<String> jvmOptions) throws Exception {
        Path log = Files.createDirectories(Path.of("target/it-logs")).resolve(name + ".log");
        List<String> cmd = new java.util.ArrayList<>(Cli.command("serve", "--config", p.file().toString()));
        cmd.addAll(1, jvmOptions);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(new File("/dev/null"));
        pb.environment().keySet().retainAll(List.of("PATH", "HOME"));
        Process proc = pb.start();
        long deadline = System.nanoTime() + START.toNanos();
        HttpClient http = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline) {
            assertThat(proc.isAlive()).as("the gateway exited: %s", Files.readString(log)).isTrue();
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                GatewayProcess g = new GatewayProcess(proc, Integer.parseInt(m.group(1)));
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(g.base() + "/ready"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return g;
                    }
                } catch (java.net.http.HttpTimeoutException e) {
                    // no answer yet: asked again until START runs out
                }
            }
            Thread.sleep(100);
        }
        new GatewayProcess(proc, 0).killIfAlive();
        throw new AssertionError("the gateway was not ready within " + START + ": " + Files.readString(log));
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    String mcpUrl() {
        return base() + "/mcp";
    }

    /** SIGKILL (what destroyForcibly sends on Linux: the exit status says so); then its upstreams, left orphaned. */
    void kill9() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("killed by signal 9").isEqualTo(128 + 9);
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** SIGTERM: the shutdown hook closes the gateway (final checkpoint) before the process ends. */
    void stop() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the gateway stops on SIGTERM").isTrue();
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Clean-up after a failed test: nothing is left running. Waits (briefly) for the gateway to be
     * gone: a gateway started next on the same data directory would meet its journal lock.
     */
    void killIfAlive() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
