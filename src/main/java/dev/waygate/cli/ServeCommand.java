package dev.waygate.cli;

import dev.waygate.Gateway;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run the gateway: /mcp, /sse, /health, /ready on the configured address.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
    Path config;

    @Override
    public Integer call() throws Exception {
        GatewayConfig c = ConfigLoader.load(config);
        dev.waygate.upstream.StartAhead.begin(c); // the servers' own start overlaps the gateway's
        Gateway gateway;
        try {
            gateway = new Gateway(c);
        } catch (RuntimeException e) {
            dev.waygate.upstream.StartAhead.discard(c);
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                gateway.close();
            } catch (Exception e) {
                System.err.println("waygate: error while stopping: " + e.getMessage());
            }
            stopped.countDown();
        }));
        gateway.start();
        reloadOnHangup(gateway);
        String host = c.listen().host().contains(":") ? "[" + c.listen().host() + "]" : c.listen().host();
        System.err.println("waygate: listening on http://" + host + ":" + gateway.port() + "/mcp"
                + " (legacy SSE: /sse; health: /health, /ready)");
        stopped.await();
        return Main.OK;
    }

    /**
     * SIGHUP reloads the policy, as daemons conventionally do. The reload runs on its own virtual
     * thread (the signal dispatcher must not block on file reads) and logs its result. Where the
     * platform has no SIGHUP (Windows) the other two triggers remain.
     */
    @SuppressWarnings("sunapi")
    private static void reloadOnHangup(Gateway gateway) {
        if (hangupIgnored()) {
            System.err.println("waygate: SIGHUP is ignored by the process that started this one (nohup?), so it cannot "
                    + "reload the policy; use POST /proxy/reload-config or save the file");
            return;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> Thread.ofVirtual().name("reload-sighup")
                    .start(() -> gateway.policy().reload("signal")));
        } catch (IllegalArgumentException e) {
            System.err.println("waygate: SIGHUP is not available here (" + e.getMessage()
                    + "); reload with POST /proxy/reload-config or by saving the file");
        }
    }

    /** Linux: whether SIGHUP (signal 1) was inherited as ignored; the JVM then never delivers it. */
    private static boolean hangupIgnored() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1L) != 0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: assume it is delivered
        }
        return false;
    }
}
