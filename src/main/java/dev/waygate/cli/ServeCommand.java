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
        Gateway gateway = new Gateway(c);
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
        String host = c.listen().host().contains(":") ? "[" + c.listen().host() + "]" : c.listen().host();
        System.err.println("waygate: listening on http://" + host + ":" + gateway.port() + "/mcp"
                + " (legacy SSE: /sse; health: /health, /ready)");
        stopped.await();
        return Main.OK;
    }
}
