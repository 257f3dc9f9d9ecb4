package dev.waygate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.CallKind;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicyQuery;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "policy", description = "Work with the policy of a configuration.", subcommands = PolicyCommand.Test.class)
final class PolicyCommand {
    @Command(name = "test", description = "Print the decision and the deciding rule for one call, without running anything. "
            + "With --expect, exit 1 when the decision differs (for CI).")
    static final class Test implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--config", required = true, paramLabel = "FILE")
        Path config;

        @Option(names = "--principal", required = true, paramLabel = "NAME")
        String principal;

        @Option(names = "--role", paramLabel = "ROLE", description = "a role of the principal (repeatable)")
        List<String> roles = List.of();

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--tool", paramLabel = "NAME", description = "exposed tool name, e.g. github__create_issue")
            String tool;

            @Option(names = "--prompt", paramLabel = "NAME")
            String prompt;

            @Option(names = "--resource", paramLabel = "URI")
            String resource;
        }

        @Option(names = "--server", paramLabel = "NAME", description = "the upstream (default: from the name's prefix)")
        Optional<String> server;

        @Option(names = "--args", paramLabel = "JSON", description = "tool arguments as a JSON object")
        Optional<String> args;

        @Option(names = "--expect", paramLabel = "allow|deny")
        Optional<String> expect;

        @Override
        public Integer call() throws Exception {
            GatewayConfig c = ConfigLoader.load(config);
            CallKind kind = target.tool != null ? CallKind.TOOL : target.prompt != null ? CallKind.PROMPT : CallKind.RESOURCE;
            String name = target.tool != null ? target.tool : target.prompt != null ? target.prompt : target.resource;
            String srv = server.orElseGet(() -> serverOf(c, kind, name));
            JsonNode arguments = Json.object();
            if (args.isPresent()) {
                try {
                    arguments = Json.parse(args.get());
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw usage("--args: not valid JSON");
                }
                if (!arguments.isObject()) {
                    throw usage("--args: must be a JSON object");
                }
            }
            if (expect.isPresent() && !List.of("allow", "deny").contains(expect.get())) {
                throw usage("--expect: must be allow or deny");
            }
            Principal p = new Principal(principal, new LinkedHashSet<>(roles), "cli");
            PolicyDecision d = c.policy().decide(new PolicyQuery(p, kind, srv, name, arguments));
            String verdict = d.allowed() ? "allow" : "deny";
            System.out.println(verdict + " (rule: " + d.rule() + (d.allowed() ? ", risk: " + d.risk().name().toLowerCase() : "")
                    + ", server: " + srv + ")");
            if (expect.isPresent() && !expect.get().equals(verdict)) {
                System.err.println("waygate: expected " + expect.get() + ", policy says " + verdict);
                return Main.FAILURE;
            }
            return Main.OK;
        }

        /** The server whose namespace prefixes the name (the longest such), or the only unprefixed one. */
        private String serverOf(GatewayConfig c, CallKind kind, String name) {
            if (kind != CallKind.RESOURCE) {
                Optional<ServerConfig> prefixed = c.servers().values().stream()
                        .filter(s -> !s.namespace().isEmpty() && name.startsWith(s.namespace() + c.separator()))
                        .max(java.util.Comparator.comparingInt(s -> s.namespace().length()));
                if (prefixed.isPresent()) {
                    return prefixed.get().name();
                }
                List<ServerConfig> unprefixed = c.servers().values().stream().filter(s -> s.namespace().isEmpty()).toList();
                if (unprefixed.size() == 1) {
                    return unprefixed.getFirst().name();
                }
            }
            throw usage("cannot tell which server offers '" + name + "': give --server");
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}
