package dev.waygate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads one server entry, from {@code waygate.yaml} or from an imported {@code mcpServers} map. */
final class ServerReader {
    private static final Set<String> YAML_KEYS = Set.of("type", "command", "args", "env", "cwd", "url", "headers",
            "prefix", "timeout", "required", "sandbox");
    /** What the common .mcp.json dialects write (Claude Code, Cursor, VS Code). */
    private static final Set<String> MCP_JSON_KEYS = Set.of("type", "command", "args", "env", "cwd", "url", "headers");

    private final Path base;
    private final boolean allowInlineSecrets;

    /** @param allowInlineSecrets {@code allow_inline_secrets}: skip the {@link InlineSecrets} check */
    ServerReader(Path base, boolean allowInlineSecrets) {
        this.base = base;
        this.allowInlineSecrets = allowInlineSecrets;
    }

    ServerConfig read(String name, Node n, boolean imported) {
        if (!name.matches("[A-Za-z0-9_\\-]{1,64}")) {
            throw n.error("server names may use letters, digits, _ and - (1 to 64 characters)");
        }
        n.requireKeys(imported ? MCP_JSON_KEYS : YAML_KEYS);
        boolean hasCommand = n.has("command");
        boolean hasUrl = n.has("url");
        if (hasCommand == hasUrl) {
            throw n.error("give either command (a stdio server) or url (a remote server)");
        }
        ServerConfig.Transport transport = transport(n, hasCommand);
        String namespace = n.string("prefix").orElse(name);
        if (!namespace.isEmpty() && !namespace.matches("[A-Za-z0-9_\\-.]{1,64}")) {
            throw n.child("prefix").error("may use letters, digits, _ - and . (or \"\" for no prefix)");
        }
        Duration timeout = n.optional("timeout").map(Durations::parse).orElse(ServerConfig.DEFAULT_TIMEOUT);
        boolean required = n.optional("required").map(Node::asBoolean).orElse(true);
        if (hasCommand) {
            for (String k : List.of("headers")) {
                if (n.has(k)) {
                    throw n.child(k).error("applies only to remote (url) servers");
                }
            }
            String command = n.child("command").asString();
            if (command.isBlank()) {
                throw n.child("command").error("must not be empty");
            }
            List<String> args = n.optional("args").map(Node::asStringList).orElse(List.of());
            Map<String, String> env = n.optional("env").map(e -> env(e, name)).orElse(Map.of());
            Optional<Path> cwd = n.string("cwd").map(c -> base.resolve(c).normalize());
            if (imported && cwd.isEmpty()) {
                cwd = Optional.of(base);
            }
            // Absent: sandboxed with the defaults (decision 0011); only "sandbox: none" opts out.
            SandboxConfig sandbox = n.optional("sandbox").map(s -> SandboxReader.read(s, base)).orElseGet(SandboxConfig::defaults);
            return new ServerConfig(name, transport, Optional.of(command), args, env, cwd, Optional.empty(), Map.of(),
                    namespace, timeout, required, sandbox);
        }
        for (String k : List.of("args", "env", "cwd", "sandbox")) {
            if (n.has(k)) {
                throw n.child(k).error("applies only to stdio (command) servers");
            }
        }
        URI url = url(n.child("url"));
        if (!allowInlineSecrets) {
            InlineSecrets.checkUrl(n.child("url"), name);
        }
        Map<String, String> headers = n.optional("headers").map(h -> headers(h, name)).orElse(Map.of());
        return new ServerConfig(name, transport, Optional.empty(), List.of(), Map.of(), Optional.empty(), Optional.of(url),
                headers, namespace, timeout, required);
    }

    private Map<String, String> env(Node n, String server) {
        Map<String, String> out = new LinkedHashMap<>();
        n.asMap().forEach((k, v) -> {
            out.put(k, v.asString()); // first: a malformed or missing reference is the mistake to report
            if (!allowInlineSecrets && InlineSecrets.isSecretEnvName(k)) {
                InlineSecrets.requireReference(v, k.matches("[A-Za-z_][A-Za-z0-9_]*") ? k : InlineSecrets.variableFor(server), server);
            }
        });
        return out;
    }

    private Map<String, String> headers(Node n, String server) {
        Map<String, String> out = new LinkedHashMap<>();
        n.asMap().forEach((k, v) -> {
            out.put(k, v.asString());
            if (!allowInlineSecrets && InlineSecrets.isSecretHeader(k)) {
                InlineSecrets.requireReference(v, InlineSecrets.variableFor(server), server);
            }
        });
        return out;
    }

    private static ServerConfig.Transport transport(Node n, boolean hasCommand) {
        if (!n.has("type")) {
            return hasCommand ? ServerConfig.Transport.STDIO : ServerConfig.Transport.HTTP;
        }
        Node t = n.child("type");
        ServerConfig.Transport chosen = switch (t.asString()) {
            case "stdio" -> ServerConfig.Transport.STDIO;
            case "http", "streamable-http", "streamable_http", "streamableHttp" -> ServerConfig.Transport.HTTP;
            case "sse" -> ServerConfig.Transport.SSE;
            default -> throw t.error("must be stdio, http or sse");
        };
        if ((chosen == ServerConfig.Transport.STDIO) != hasCommand) {
            throw t.error(hasCommand ? "a server with command is a stdio server" : "a stdio server needs command, not url");
        }
        return chosen;
    }

    private static URI url(Node n) {
        String s = n.asString();
        try {
            URI u = new URI(s);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw n.error("must be an http:// or https:// URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw n.error("is not a valid URL: " + e.getReason());
        }
    }
}
