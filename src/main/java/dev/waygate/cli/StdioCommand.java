package dev.waygate.cli;

import dev.waygate.auth.AuthResult;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.Rejection;
import dev.waygate.auth.TokenVerifier;
import dev.waygate.Gateway;
import dev.waygate.audit.Audit;
import java.util.List;
import dev.waygate.auth.KeyStore;
import dev.waygate.auth.Principal;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.front.StdioFront;
import dev.waygate.reload.LivePolicy;
import dev.waygate.router.Router;
import dev.waygate.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "stdio", description = "Serve MCP on stdin/stdout, for a desktop client that launches the gateway. "
        + "Authenticates with the API key (or, with oauth configured, the access token) in --key-file, "
        + "the file named by WAYGATE_API_KEY_FILE, or WAYGATE_API_KEY.")
final class StdioCommand implements Callable<Integer> {
    static final String KEY_VARIABLE = "WAYGATE_API_KEY";
    static final String KEY_FILE_VARIABLE = "WAYGATE_API_KEY_FILE";

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
    Path config;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "file holding the API key (instead of WAYGATE_API_KEY_FILE or WAYGATE_API_KEY)")
    Optional<Path> keyFile;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws Exception {
        GatewayConfig c = new ConfigLoader(main.env).read(config);
        try (Database db = Database.open(c.dataDir())) {
            Authenticator auth = new Authenticator(c.auth(), new KeyStore(db), c.oauth().map(TokenVerifier::new));
            Optional<Principal> principal;
            if (auth.required()) {
                String key = key();
                if (key == null || key.isBlank()) {
                    System.err.println("waygate: stdio needs an API key" + (auth.acceptsTokens() ? " or access token" : "")
                            + ": set WAYGATE_API_KEY or WAYGATE_API_KEY_FILE, or pass --key-file");
                    return Main.USAGE;
                }
                AuthResult result = auth.checkCredential(key);
                principal = result.principal();
                if (principal.isEmpty()) {
                    // The rejection's description is ours and general: the credential is never printed.
                    Rejection why = result.rejection().orElse(Rejection.BAD_API_KEY);
                    System.err.println(why == Rejection.BAD_API_KEY
                            ? "waygate: the API key is not valid (unknown, expired or revoked)"
                            : "waygate: the access token is not valid: " + why.description());
                    return Main.FAILURE;
                }
            } else {
                principal = Optional.of(Principal.ANONYMOUS);
            }
            try (Audit audit = Audit.open(c.dataDir(), c.audit(), db)) {
                Optional<String> down = audit.unavailable();
                if (down.isPresent()) {
                    System.err.println("waygate: the audit journal cannot be written: " + down.get());
                    return Main.FAILURE;
                }
                // No reload triggers here: the client restarts a stdio gateway to change its policy.
                LivePolicy policy = new LivePolicy(c);
                Router router = new Router(c, Gateway.beforeRoute(List.of(audit.stage())), Gateway.afterRoute(policy, audit,
                        dev.waygate.approval.ApprovalStage.unavailable(c.approvals())),
                        () -> policy.get().policy(), new dev.waygate.pin.ToolPins(c, db, audit));
                router.start();
                try {
                    new StdioFront(router, principal.get(), c.maxBodyBytes(), System.out).run(System.in);
                } finally {
                    router.stop();
                }
            }
        }
        return Main.OK;
    }

    /** See {@link ApiKeySource}. */
    private String key() {
        return ApiKeySource.read(spec, keyFile, main.env);
    }
}
