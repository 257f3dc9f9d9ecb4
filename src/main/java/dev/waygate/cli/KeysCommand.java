package dev.waygate.cli;

import dev.waygate.auth.ApiKey;
import dev.waygate.auth.KeyStore;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "keys", description = "Manage API keys (stored as hashes in the data directory).",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand {
    static class Common {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
        Path config;

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
            Optional<Instant> expiry = expires.map(Create::parse).map(d -> Instant.now().plus(d));
            Database[] db = new Database[1];
            try {
                KeyStore.Created created = open(db).create(name, new LinkedHashSet<>(roles), expiry);
                System.out.println(created.key());
                System.err.println("waygate: created key " + KeyStore.display(created.record()) + " for " + name
                        + expiry.map(e -> ", expires " + e).orElse("") + " (shown once; only its hash is stored)");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
            } finally {
                if (db[0] != null) {
                    db[0].close();
                }
            }
            return Main.OK;
        }

        static Duration parse(String s) {
            try {
                if (s.matches("\\d+d")) {
                    return Duration.ofDays(Long.parseLong(s.substring(0, s.length() - 1)));
                }
                if (s.matches("\\d+h")) {
                    return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
                }
                if (s.matches("\\d+m")) {
                    return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
                }
                return Duration.parse(s);
            } catch (DateTimeParseException | NumberFormatException e) {
                throw new CommandLine.ParameterException(new CommandLine(new Create()),
                        "--expires: '" + s + "' is not a duration (e.g. 30d, 12h, 90m, PT1H)");
            }
        }
    }

    @Command(name = "list", description = "List keys (never the keys themselves).")
    static final class ListKeys extends Common implements Callable<Integer> {
        @Override
        public Integer call() {
            Database[] db = new Database[1];
            try {
                Instant now = Instant.now();
                System.out.printf("%-15s %-20s %-20s %-9s %s%n", "KEY", "NAME", "ROLES", "STATE", "CREATED");
                for (ApiKey k : open(db).list()) {
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
                if (!open(db).revoke(id)) {
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
}
