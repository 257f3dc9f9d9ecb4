package dev.waygate.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.auth.Principal;
import dev.waygate.config.ConfigLoader;
import dev.waygate.mcp.Json;
import dev.waygate.net.Resolver;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import dev.waygate.router.Router;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A guard stage configured through the real configuration loader, with a fixed resolver and a recording audit log. */
final class GuardFixture {
    /** No real DNS: these names, and nothing else, resolve. */
    static final Resolver RESOLVER = host -> switch (host) {
        case "example.com", "api.github.com" -> List.of(InetAddress.getByName("93.184.215.14"));
        case "localhost" -> List.of(InetAddress.getByName("127.0.0.1"));
        case "internal.corp" -> List.of(InetAddress.getByName("10.0.0.5"));
        case "metadata.google.internal" -> List.of(InetAddress.getByName("169.254.169.254"));
        case "rebind.attacker.test" -> List.of(InetAddress.getByName("8.8.8.8"), InetAddress.getByName("127.0.0.1"));
        default -> throw new UnknownHostException(host);
    };

    static final String YAML = """
            version: 1
            guards:
              roots: [%s]
              shell_arguments: [command, cmd, branch]
              shell_tools: ["shell__*"]
              sql_arguments: [name, id, search, username]
              html_arguments: [html, body, comment]
              allowed_cidrs: [10.1.0.0/16]
            """;

    final Path root;
    final GuardSettings settings;
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    final AuditLog audit = new AuditLog() {
        @Override
        public void record(AuditEvent event) {
            events.add(event);
        }

        @Override
        public Optional<String> unavailable() {
            return Optional.empty();
        }
    };
    final GuardStage stage;

    /** @param dir a temporary directory: the root ({@code dir/root}) with a link {@code escape → /etc} */
    GuardFixture(Path dir, String extraYaml) throws Exception {
        root = Files.createDirectories(dir.resolve("root")).toRealPath();
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/readme.md"), "hello");
        Path link = root.resolve("escape");
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, Path.of("/etc"));
        }
        String yaml = YAML.formatted(root) + extraYaml;
        settings = new ConfigLoader(k -> null).read(dir.resolve("waygate.yaml"), yaml).guards();
        stage = new GuardStage(RESOLVER, audit, settings);
    }

    static Call call(String tool, JsonNode args) {
        ObjectNode params = Json.object().put("name", tool);
        params.set("arguments", args);
        Call c = new Call(CallKind.TOOL, tool, params, Optional.of(new Principal("tester", java.util.Set.of("dev"), "k1")), null,
                Optional.of(new Call.Route(tool.split("__")[0], tool.split("__", 2)[1])));
        if (tool.equals("web__get_schema")) {
            ObjectNode def = (ObjectNode) Json.MAPPER.valueToTree(Map.of("name", tool, "inputSchema",
                    Map.of("type", "object", "properties", Map.of("target", Map.of("type", "string", "format", "uri")))));
            c = c.with(Router.TOOL, def);
        }
        return c;
    }

    /** Runs the stage with a terminal step that answers {@code result}. */
    JsonNode run(Call call, Function<Call, JsonNode> upstream) {
        return stage.handle(call, upstream::apply);
    }

    static ObjectNode textResult(String text) {
        ObjectNode r = Json.object();
        r.putArray("content").addObject().put("type", "text").put("text", text);
        r.putObject("structuredContent").put("text", text);
        return r;
    }

    List<Finding> findings() {
        return events.stream().flatMap(e -> {
            List<Finding> out = new java.util.ArrayList<>();
            e.args().path("findings").forEach(f -> out.add(new Finding(f.path("detector").asText(), f.path("path").asText(),
                    f.path("reason").asText(), Mode.parse(f.path("mode").asText()).orElseThrow())));
            return out.stream();
        }).toList();
    }
}
