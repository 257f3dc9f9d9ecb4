package dev.waygate.cli;

import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "check-config", description = "Validate a configuration file (the same checks as start-up) and summarise it.")
final class CheckConfigCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "waygate.yaml")
    Path file;

    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        // Warnings (a secret file every user may read) are not errors: the file is still ok.
        GatewayConfig c = new ConfigLoader(main.env, w -> System.err.println("waygate: warning: " + w)).read(file);
        System.out.println(c.file() + ": ok");
        System.out.println("listen " + c.listen() + ", auth " + c.auth().name().toLowerCase() + ", data_dir " + c.dataDir());
        c.servers().values().forEach(s -> System.out.println("server " + s.name() + ": "
                + s.transport().name().toLowerCase() + " "
                + s.command().map(cmd -> cmd + " (" + s.args().size() + " args, " + s.env().size() + " env)")
                        .orElseGet(() -> origin(s.url().orElseThrow()) + " (" + s.headers().size() + " headers)")
                + (s.namespace().isEmpty() ? ", unprefixed" : ", prefix " + s.namespace() + c.separator())
                + (s.transport() == dev.waygate.config.ServerConfig.Transport.STDIO && !s.sandbox().enabled()
                        ? ", sandbox: none (unconfined)" : "")));
        System.out.println("policy: default " + c.policy().defaultEffect().name().toLowerCase() + ", "
                + c.policy().rules().size() + " rules" + (c.policy().rules().isEmpty()
                && c.policy().defaultEffect() == dev.waygate.policy.Effect.DENY ? " (every call is denied)" : ""));
        return Main.OK;
    }

    /** Values may hold expanded secrets (${TOKEN}); the summary shows only what cannot: program and origin. */
    private static String origin(java.net.URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + (u.getRawPath() == null ? "" : u.getRawPath());
    }
}
