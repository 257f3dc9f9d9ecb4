package dev.waygate.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.waygate.policy.Policy;
import dev.waygate.ratelimit.RateLimit;
import dev.waygate.ratelimit.RateLimits;
import java.util.Optional;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads {@code waygate.yaml} (and an imported {@code .mcp.json}) into a {@link GatewayConfig}. The
 * same code serves start-up, reload and {@code check-config}. Every error names file, line and key.
 */
public final class ConfigLoader {
    private static final Set<String> TOP_KEYS = Set.of("version", "listen", "data_dir", "storage", "auth",
            "allowed_origins", "limits", "naming", "session_idle_timeout", "import", "servers", "policy", "rate_limits",
            "audit", "oauth", "allow_inline_secrets", "watch_config", "guards", "pinning", "approvals", "egress");
    private static final Set<String> RATE_KEYS = Set.of("per_principal", "per_tool");
    private static final Set<String> LIMIT_KEYS = Set.of("max_body_bytes");
    private static final Set<String> NAMING_KEYS = Set.of("separator", "page_size");
    private static final Set<String> PINNING_KEYS = Set.of("mode");
    private static final Set<String> AUDIT_KEYS = Set.of("mode", "checkpoint_every", "checkpoint_interval",
            "max_file_bytes", "redact_fields", "retention_days");

    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    private final Function<String, String> env;
    private final Consumer<String> warn;

    /** @param env the environment {@code ${NAME}} reads; warnings (never errors) go to the log */
    public ConfigLoader(Function<String, String> env) {
        this(env, LOG::warn);
    }

    /** @param warn receives each warning as one line naming file, line and key (never a secret) */
    public ConfigLoader(Function<String, String> env, Consumer<String> warn) {
        this.env = env;
        this.warn = warn;
    }

    public static GatewayConfig load(Path file) {
        return new ConfigLoader(System::getenv).read(file);
    }

    public GatewayConfig read(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return read(abs, readText(abs, null));
    }

    /**
     * Validates {@code text} as the content of {@code file} (which names it in errors and anchors
     * relative paths). A reload reads the bytes once and passes them here, so the digest it
     * records is that of exactly what was validated.
     */
    public GatewayConfig read(Path file, String text) {
        Path abs = file.toAbsolutePath().normalize();
        SecretFiles files = new SecretFiles(warn);
        Node root = parse(abs, text, new YAMLFactory(), files);
        Path base = abs.getParent();

        // The version first: a file for another version is expected to have keys this one does not know.
        Node version = root.child("version");
        if (!root.has("version")) {
            throw version.error("is required (write version: 1)");
        }
        if (version.asInt(1, Integer.MAX_VALUE) != 1) {
            throw version.error("unsupported version (this Waygate reads version 1)");
        }
        root.requireKeys(TOP_KEYS);
        HostPort listen = root.optional("listen").map(ConfigLoader::hostPort).orElse(GatewayConfig.DEFAULT_LISTEN);
        Path dataDir = base.resolve(root.string("data_dir").orElse("data")).normalize();
        root.optional("storage").ifPresent(n -> {
            if (!n.asString().equals("sqlite")) {
                throw n.error("only 'sqlite' is supported in this version");
            }
        });
        GatewayConfig.AuthMode auth = root.optional("auth").map(ConfigLoader::authMode).orElse(GatewayConfig.AuthMode.API_KEY);
        if (auth == GatewayConfig.AuthMode.NONE && !listen.isLoopback()) {
            throw root.child("auth").error("'none' is allowed only when listen is a loopback address");
        }
        List<String> origins = root.optional("allowed_origins").map(Node::asStringList).orElse(List.of());
        long maxBody = GatewayConfig.DEFAULT_MAX_BODY_BYTES;
        if (root.has("limits")) {
            Node limits = root.child("limits").requireKeys(LIMIT_KEYS);
            maxBody = limits.optional("max_body_bytes").map(n -> n.asInt(1024, Integer.MAX_VALUE)).orElse((int) maxBody);
        }
        String separator = GatewayConfig.DEFAULT_SEPARATOR;
        int pageSize = GatewayConfig.DEFAULT_PAGE_SIZE;
        if (root.has("naming")) {
            Node naming = root.child("naming").requireKeys(NAMING_KEYS);
            separator = naming.optional("separator").map(ConfigLoader::separator).orElse(separator);
            pageSize = naming.optional("page_size").map(n -> n.asInt(1, 10_000)).orElse(pageSize);
        }
        Duration idle = root.optional("session_idle_timeout").map(Durations::parse).orElse(GatewayConfig.DEFAULT_SESSION_IDLE);
        AuditConfig audit = root.optional("audit").map(ConfigLoader::audit).orElse(AuditConfig.DEFAULTS);

        // One rule for both files: an imported .mcp.json is where inline tokens are most common (decision 0010).
        boolean allowInline = root.optional("allow_inline_secrets").map(Node::asBoolean).orElse(false);
        Map<String, ServerConfig> servers = new LinkedHashMap<>();
        Map<String, Node> nodes = new LinkedHashMap<>();
        ServerReader reader = new ServerReader(base, allowInline);
        if (root.has("import")) {
            Node imp = root.child("import");
            Path mcpJson = base.resolve(imp.asString()).normalize();
            Node doc = parse(mcpJson, new JsonFactory(), files, imp);
            doc.requireKeys(Set.of("mcpServers"));
            if (doc.has("mcpServers")) {
                // Clients start .mcp.json servers in the file's directory: relative paths resolve there.
                ServerReader imported = new ServerReader(mcpJson.getParent(), allowInline);
                nodes.putAll(doc.child("mcpServers").asMap());
                nodes.forEach((name, n) -> servers.put(name, imported.read(name, n, true)));
            }
        }
        if (root.has("servers")) {
            for (var e : root.child("servers").asMap().entrySet()) {
                if (servers.containsKey(e.getKey())) {
                    throw e.getValue().error("server '" + e.getKey() + "' is also defined in the imported file");
                }
                nodes.put(e.getKey(), e.getValue());
                servers.put(e.getKey(), reader.read(e.getKey(), e.getValue(), false));
            }
        }
        checkNamespaces(servers, nodes);
        Map<String, RateLimit> ruleLimits = new LinkedHashMap<>();
        Map<String, Map<dev.waygate.guard.Check, dev.waygate.guard.Mode>> ruleGuards = new LinkedHashMap<>();
        Policy policy = root.optional("policy").map(n -> PolicyReader.read(n, servers.keySet(), ruleLimits, ruleGuards))
                .orElse(Policy.DENY_ALL);
        dev.waygate.guard.GuardSettings guards = GuardReader.read(root.optional("guards"), base, ruleGuards);
        Optional<RateLimit> perPrincipal = Optional.empty();
        Optional<RateLimit> perTool = Optional.empty();
        if (root.has("rate_limits")) {
            Node rl = root.child("rate_limits").requireKeys(RATE_KEYS);
            perPrincipal = rl.optional("per_principal").map(PolicyReader::rateLimit);
            perTool = rl.optional("per_tool").map(PolicyReader::rateLimit);
        }
        Optional<OAuthConfig> oauth = root.optional("oauth").map(OAuthReader::read);
        if (oauth.isPresent() && auth == GatewayConfig.AuthMode.NONE) {
            throw root.child("oauth").error("has no effect with auth: none (remove one of them)");
        }
        boolean watch = root.optional("watch_config").map(Node::asBoolean).orElse(GatewayConfig.DEFAULT_WATCH_CONFIG);
        PinningConfig pinning = root.optional("pinning").map(ConfigLoader::pinning).orElse(PinningConfig.DEFAULTS);
        Optional<dev.waygate.egress.EgressConfig> egress = root.optional("egress")
                .map(n -> EgressReader.read(n, base, (path, from) -> parse(path, new JsonFactory(), files, from)));
        return new GatewayConfig(abs, listen, dataDir, auth, origins, maxBody, separator, pageSize, idle, servers, policy,
                new RateLimits(perPrincipal, perTool, ruleLimits), audit, oauth, watch, digest(text), guards, pinning,
                root.optional("approvals").map(a -> ApprovalsReader.read(a, base)).orElse(ApprovalsConfig.DEFAULTS), egress);
    }

    /** SHA-256 of the text's UTF-8 bytes, in hex: which content of the file is in force. */
    public static String digest(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String readText(Path file, Node from) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw from != null ? from.error("file not found: " + file) : new ConfigException(file + ":1: file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ":1: cannot read: " + e.getMessage());
        }
    }

    private Node parse(Path file, JsonFactory factory, SecretFiles files, Node from) {
        return parse(file, readText(file, from), factory, files);
    }

    private Node parse(Path file, String text, JsonFactory factory, SecretFiles files) {
        String name = file.toString();
        try {
            SourceMap lines = SourceMap.of(factory, text, name);
            ObjectMapper mapper = new ObjectMapper(factory);
            mapper.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonNode tree = mapper.readTree(text);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw new ConfigException(name, 1, "", "the file is empty");
            }
            Node root = new Node(tree, "", "", new Node.Source(name, lines, new Env.Refs(env, file.getParent(), files)));
            return root.requireObject();
        } catch (JsonProcessingException e) {
            throw syntaxError(name, e, Math.max(1, (int) text.lines().count()));
        } catch (IOException e) {
            throw new ConfigException(name + ":1: cannot parse: " + e.getMessage());
        }
    }

    /**
     * For YAML, the scanner's own mark: Jackson reports where its parser stood, which can be the
     * line before the mistake (a tab in the indentation) or the line after it.
     */
    private static ConfigException syntaxError(String file, JsonProcessingException e, int lastLine) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            // At the end of the stream the parser points past the last line; name the last line instead.
            int line = Math.min(m.getProblemMark().getLine() + 1, lastLine);
            String context = m.getContext() == null || m.getContextMark() == null
                    || m.getContextMark().getLine() + 1 == line
                    ? "" : " (" + m.getContext() + " at line " + (m.getContextMark().getLine() + 1) + ")";
            return new ConfigException(file, line, "", "syntax error: " + m.getProblem() + context);
        }
        int line = Math.min(e.getLocation() == null ? 1 : e.getLocation().getLineNr(), lastLine);
        return new ConfigException(file, line, "", "syntax error: " + e.getOriginalMessage().lines().findFirst().orElse(""));
    }

    static HostPort hostPort(Node n) {
        String s = n.asString().trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw n.error("must be host:port, e.g. 127.0.0.1:8080");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw n.error("must be host:port, e.g. 127.0.0.1:8080");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw n.error("port must be a number");
        }
        if (port < 0 || port > 65535) {
            throw n.error("port must be between 0 and 65535");
        }
        return new HostPort(host, port);
    }

    private static GatewayConfig.AuthMode authMode(Node n) {
        return switch (n.asString()) {
            case "api_key" -> GatewayConfig.AuthMode.API_KEY;
            case "none" -> GatewayConfig.AuthMode.NONE;
            default -> throw n.error("must be 'api_key' or 'none'");
        };
    }

    private static AuditConfig audit(Node n) {
        n.requireKeys(AUDIT_KEYS);
        AuditConfig.Mode mode = n.optional("mode").map(m -> switch (m.asString()) {
            case "durable" -> AuditConfig.Mode.DURABLE;
            case "async" -> AuditConfig.Mode.ASYNC;
            default -> throw m.error("must be 'durable' or 'async'");
        }).orElse(AuditConfig.DEFAULT_MODE);
        int every = n.optional("checkpoint_every").map(x -> x.asInt(1, 100_000_000)).orElse(AuditConfig.DEFAULT_CHECKPOINT_EVERY);
        Duration interval = n.optional("checkpoint_interval").map(Durations::parse).orElse(AuditConfig.DEFAULT_CHECKPOINT_INTERVAL);
        long maxFile = n.optional("max_file_bytes").map(x -> (long) x.asInt(4096, Integer.MAX_VALUE))
                .orElse(AuditConfig.DEFAULT_MAX_FILE_BYTES);
        List<String> redact = n.optional("redact_fields").map(l -> l.asList().stream().map(f -> {
            String s = f.asString().trim();
            if (s.isEmpty()) {
                throw f.error("must be a field name");
            }
            return s;
        }).toList()).orElse(List.of());
        int retention = n.optional("retention_days").map(x -> x.asInt(0, 36_500)).orElse(AuditConfig.DEFAULT_RETENTION_DAYS);
        return new AuditConfig(mode, every, interval, maxFile, redact, retention);
    }

    private static PinningConfig pinning(Node n) {
        n.requireKeys(PINNING_KEYS);
        return new PinningConfig(n.optional("mode").map(m -> switch (m.asString()) {
            case "enforce" -> PinningConfig.Mode.ENFORCE;
            case "report" -> PinningConfig.Mode.REPORT;
            case "off", "false" -> PinningConfig.Mode.OFF; // YAML 1.1 reads an unquoted off as false
            default -> throw m.error("must be 'enforce', 'report' or 'off'");
        }).orElse(PinningConfig.DEFAULT_MODE));
    }

    private static String separator(Node n) {
        String s = n.asString();
        if (!s.matches("[A-Za-z0-9_.\\-]{1,4}")) {
            throw n.error("must be 1 to 4 characters allowed in tool names (letters, digits, _ - .)");
        }
        return s;
    }

    /** Two servers with the same non-empty namespace would shadow each other's tools. */
    private static void checkNamespaces(Map<String, ServerConfig> servers, Map<String, Node> nodes) {
        Map<String, String> seen = new LinkedHashMap<>();
        for (ServerConfig s : servers.values()) {
            if (s.namespace().isEmpty()) {
                continue;
            }
            String other = seen.putIfAbsent(s.namespace(), s.name());
            if (other != null) {
                Node n = nodes.get(s.name());
                throw n.optional("prefix").orElse(n).error("prefix '" + s.namespace() + "' is also used by server '" + other + "'");
            }
        }
    }
}
