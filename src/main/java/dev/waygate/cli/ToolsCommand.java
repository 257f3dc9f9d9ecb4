package dev.waygate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.LogText;
import dev.waygate.pin.Finding;
import dev.waygate.pin.Pin;
import dev.waygate.pin.PinNames;
import dev.waygate.pin.PinStore;
import dev.waygate.store.Database;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code waygate tools list|diff|approve}: tool pins in the data directory (decision 0017). Works
 * while the gateway runs: an approval is written to the store, and the running gateway picks it up
 * within a second (or at the next list or call of that tool) and records it in the audit journal.
 */
@Command(name = "tools", description = "Tool pins: list them, see what changed, approve a quarantined tool.",
        subcommands = {ToolsCommand.ListPins.class, ToolsCommand.Diff.class, ToolsCommand.Approve.class})
final class ToolsCommand {
    static class Common {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
        Path config;

        GatewayConfig loaded;

        List<Pin> pins(Database[] holder) {
            loaded = ConfigLoader.load(config);
            holder[0] = Database.open(loaded.dataDir());
            return new PinStore(holder[0]).all();
        }

        /** The one pin named so, or empty after saying why on stderr. */
        Optional<Pin> one(List<Pin> pins, String name) {
            List<Pin> m = PinNames.matching(loaded, pins, name);
            if (m.size() != 1) {
                System.err.println("waygate: " + (m.isEmpty() ? "no pinned tool named " + name
                        : name + " names tools of several unprefixed servers: " + String.join(", ", m.stream().map(Pin::server).toList())));
                return Optional.empty();
            }
            return Optional.of(m.getFirst());
        }

        static void close(Database[] db) {
            if (db[0] != null) {
                db[0].close();
            }
        }
    }

    @Command(name = "list", description = "List pinned tools: state (approved, changed, poisoned), hash, approval.")
    static final class ListPins extends Common implements Callable<Integer> {
        @Override
        public Integer call() {
            Database[] db = new Database[1];
            try {
                List<Pin> pins = pins(db);
                System.out.printf("%-40s %-9s %-12s %-24s %s%n", "TOOL", "STATE", "HASH", "APPROVED", "BY");
                for (Pin p : pins) {
                    System.out.printf("%-40s %-9s %-12s %-24s %s%n", LogText.printable(PinNames.exposed(loaded, p.server(), p.tool())),
                            p.state().wire(), p.seenHash().substring(0, Math.min(12, p.seenHash().length())), p.approvedAt().map(Instant::toString).orElse("-"),
                            p.approvedBy().isEmpty() ? "-" : LogText.printable(p.approvedBy()));
                }
            } finally {
                close(db);
            }
            return Main.OK;
        }
    }

    @Command(name = "diff", description = "Show the approved and the offered definition of a tool, and the findings.")
    static final class Diff extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SERVER__TOOL")
        String name;

        @Override
        public Integer call() throws Exception {
            Database[] db = new Database[1];
            try {
                Optional<Pin> p = one(pins(db), name);
                if (p.isEmpty()) {
                    return Main.FAILURE;
                }
                Pin pin = p.get();
                System.out.println("tool:     " + name + " (server " + pin.server() + ", state " + pin.state().wire() + ")");
                System.out.println("approved: " + pin.approvedHash().orElse("never"));
                print(pin.approvedDefinition().orElse("{}"));
                System.out.println("offered:  " + pin.seenHash());
                print(pin.seenDefinition());
                for (Finding f : pin.findings()) {
                    System.out.println("finding:  " + f.kind() + (f.where().isEmpty() ? "" : " in " + f.where()) + ": " + f.reason()
                            + (f.excerpt().isEmpty() ? "" : " (" + LogText.printable(f.excerpt()) + ")"));
                }
            } finally {
                close(db);
            }
            return Main.OK;
        }

        /** Field by field; upstream text escaped so that it cannot drive the terminal. */
        private static void print(String canonical) throws Exception {
            JsonNode d = Json.parse(canonical);
            d.fields().forEachRemaining(e -> System.out.println("  " + e.getKey() + ": "
                    + LogText.printable(e.getValue().isTextual() ? e.getValue().asText() : Json.write(e.getValue()))));
        }
    }

    @Command(name = "approve", description = "Approve the definition a tool offers now (a quarantined tool is offered again).")
    static final class Approve extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SERVER__TOOL")
        String name;

        @Option(names = "--hash", paramLabel = "SHA256", description = "approve only if the offered definition has this hash "
                + "(from 'tools list' or 'tools diff')")
        Optional<String> hash;

        @Override
        public Integer call() {
            Database[] db = new Database[1];
            try {
                Optional<Pin> p = one(pins(db), name);
                if (p.isEmpty()) {
                    return Main.FAILURE;
                }
                Pin pin = p.get();
                if (hash.isPresent() && (hash.get().length() < 12 || !pin.seenHash().startsWith(hash.get().toLowerCase(java.util.Locale.ROOT)))) {
                    System.err.println("waygate: " + name + " now offers the definition " + pin.seenHash()
                            + ", not " + hash.get() + "; look again with 'waygate tools diff " + name + "'");
                    return Main.FAILURE;
                }
                if (pin.state() == Pin.State.APPROVED) {
                    System.err.println("waygate: " + name + " is already approved (" + pin.seenHash() + ")");
                    return Main.OK;
                }
                String by = "cli:" + System.getProperty("user.name", "unknown");
                if (!new PinStore(db[0]).approve(pin.server(), pin.tool(), pin.seenHash(), by, Instant.now(), false)) {
                    System.err.println("waygate: " + name + " changed while approving; look again with 'waygate tools diff " + name + "'");
                    return Main.FAILURE;
                }
                System.err.println("waygate: approved " + name + " (" + pin.seenHash() + ")");
            } finally {
                close(db);
            }
            return Main.OK;
        }
    }
}
