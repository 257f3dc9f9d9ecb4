package dev.waygate.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.Events;
import dev.waygate.audit.PendingEvents;
import dev.waygate.auth.ApiKey;
import dev.waygate.auth.KeyStore;
import dev.waygate.auth.Lifetimes;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code waygate keys}: works on the store directly, whether or not a gateway runs on the same data
 * directory. Each change is audited through {@link PendingEvents}: the event is queued in the same
 * transaction as the change, and the process that owns the journal records it (within a second
 * while one runs, else at the next start). Events name the key by its prefix, never the key.
 */
@Command(name = "keys", description = "Manage API keys (stored as hashes in the data directory).",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class, KeysCommand.Rotate.class})
final class KeysCommand {
    /** Queues the audit event of a change, inside the change's transaction. */
    static void queue(Database db, String action, String key, ObjectNode details) {
        PendingEvents.add(db, Events.keyLifecycleByCli(action, key, details));
    }

    static class Common {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
        Path config;

        @Spec
        CommandSpec spec;

        KeyStore open(Database[] holder) {
            GatewayConfig c = ConfigLoader.load(config);
            holder[0] = Database.open(c.dataDir());
            return new KeyStore(holder[0]);
        }
    }

    @Command(name = "create", description = "Create a key for NAME and print it (once) on stdout.")
    static final class Create extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "the principal the key authenticates")
        String name;

        @Option(names = "--role", paramLabel = "ROLE", description = "a role of the principal (repeatable)")
        List<String> roles = List.of();

        @Option(names = "--expires", paramLabel = "DURATION", description = "lifetime, e.g. 30d, 12h, PT90M")
        Optional<String> expires;

        @Override
        public Integer call() {
            Optional<Instant> expiry = expires.map(this::expiry);
            Database[] db = new Database[1];
            try {
                KeyStore keys = open(db);
                KeyStore.Created created = db[0].transaction(c -> {
                    KeyStore.Created k = keys.create(name, new LinkedHashSet<>(roles), expiry);
                    ObjectNode details = Json.object().put("name", name);
                    roles.forEach(details.putArray("roles")::add);
                    expiry.ifPresent(e -> details.put("expires_at", e.toString()));
                    queue(db[0], "key.create", KeyStore.display(k.record()), details);
                    return k;
                });
                System.out.println(created.key());
                System.err.println("waygate: created key " + KeyStore.display(created.record()) + " for " + name
                        + expiry.map(e -> ", expires " + e).orElse("") + " (shown once; only its hash is stored)");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            } finally {
                if (db[0] != null) {
                    db[0].close();
                }
            }
            return Main.OK;
        }

        /** Now plus the duration; one that would make a key born expired (0d, PT-1H) or overflow the clock is a mistake. */
        private Instant expiry(String s) {
            try {
                Duration d = Lifetimes.parse(s);
                if (!d.isNegative() && !d.isZero()) {
                    return Instant.now().plus(d);
                }
            } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--expires: '" + s + "' is not a positive duration (e.g. 30d, 12h, 90m, PT1H)");
        }
    }

    @Command(name = "list", description = "List keys (never the keys themselves).")
    static final class ListKeys extends Common implements Callable<Integer> {
        @Override
        public Integer call() {
            Database[] db = new Database[1];
            try {
                List<ApiKey> keys = open(db).list();   // before any output: a bad configuration prints only its error
                Instant now = Instant.now();
                System.out.printf("%-15s %-20s %-20s %-9s %s%n", "KEY", "NAME", "ROLES", "STATE", "CREATED");
                for (ApiKey k : keys) {
                    String state = k.revokedAt().isPresent() ? "revoked" : k.usable(now) ? "active" : "expired";
                    System.out.printf("%-15s %-20s %-20s %-9s %s%n", KeyStore.display(k), k.name(),
                            k.roles().isEmpty() ? "-" : String.join(",", k.roles()), state, k.createdAt());
                }
            } finally {
                if (db[0] != null) {
                    db[0].close();
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "revoke", description = "Revoke a key by id or prefix (wg_<id>); refused from the next request on.")
    static final class Revoke extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID|PREFIX")
        String id;

        @Override
        public Integer call() {
            Database[] db = new Database[1];
            try {
                KeyStore keys = open(db);
                boolean revoked = db[0].transaction(c -> {
                    boolean done = keys.revoke(id);
                    if (done) {
                        queue(db[0], "key.revoke", KeyStore.display(id), Json.object());
                    }
                    return done;
                });
                if (!revoked) {
                    System.err.println("waygate: no active key " + id);
                    return Main.FAILURE;
                }
                System.err.println("waygate: revoked " + id);
            } finally {
                if (db[0] != null) {
                    db[0].close();
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "rotate", description = "Replace a key with a new one (printed once on stdout); the old key keeps "
            + "working for the grace period.")
    static final class Rotate extends Common implements Callable<Integer> {
        static final String DEFAULT_GRACE = "24h";

        @Parameters(index = "0", paramLabel = "ID|PREFIX")
        String id;

        @Option(names = "--grace", paramLabel = "DURATION", defaultValue = DEFAULT_GRACE,
                description = "how long the old key stays valid (default ${DEFAULT-VALUE}; 0m ends it now)")
        String grace;

        @Override
        public Integer call() {
            Duration g;
            try {
                g = Lifetimes.parse(grace);
            } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--grace: '" + grace + "' is not a duration (e.g. 24h, 90m, 0m)");
            }
            if (g.isNegative()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--grace: must not be negative");
            }
            Database[] db = new Database[1];
            try {
                KeyStore keys = open(db);
                Optional<KeyStore.Created> created = db[0].transaction(c -> {
                    Optional<KeyStore.Created> k = keys.rotate(id, g);
                    k.ifPresent(n -> queue(db[0], "key.rotate", KeyStore.display(id),
                            Json.object().put("new_key", KeyStore.display(n.record())).put("grace_seconds", g.toSeconds())));
                    return k;
                });
                if (created.isEmpty()) {
                    System.err.println("waygate: no active key " + id);
                    return Main.FAILURE;
                }
                System.out.println(created.get().key());
                System.err.println("waygate: rotated " + id + " to " + KeyStore.display(created.get().record())
                        + "; the old key stops working in " + g.toMinutes() + " minutes");
            } finally {
                if (db[0] != null) {
                    db[0].close();
                }
            }
            return Main.OK;
        }
    }
}
