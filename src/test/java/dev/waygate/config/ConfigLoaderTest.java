package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Loading {@code waygate.yaml}: one deliberately broken fixture per mistake, each error checked for
 * the file, the line and the key it names (what a user goes by), then the good fixtures.
 */
class ConfigLoaderTest {
    static final Path BROKEN = Path.of("src/test/resources/config/broken").toAbsolutePath();
    static final Path GOOD = Path.of("src/test/resources/config/good").toAbsolutePath();

    /** fixture | file the error is in (blank: the fixture) | line | key (blank: none) | part of the reason. */
    static final String BROKEN_CASES = """
            unknown-top-level-key.yaml    |                          | 3 | listn                                  | unknown key (allowed: allow_inline_secrets, allowed_origins, approvals, audit, auth,
            unknown-server-key.yaml       |                          | 6 | servers.files.argz                     | unknown key (allowed: args, command,
            typo-nested-key.yaml          |                          | 5 | naming.seperator                       | unknown key (allowed: page_size, separator)
            approvals-bad-webhook-url.yaml |                         | 5 | approvals.webhooks[0].url              | must be an http or https URL
            approvals-unknown-key.yaml    |                          | 4 | approvals.medium                       | unknown key (allowed: dashboard_url, max_similar, medium_risk, progress_interval, retry_wait, store, timeout, webhooks)
            approvals-bad-format.yaml     |                          | 4 | approvals.webhooks[0].format           | must be json or slack
            pinning-unknown-key.yaml      |                          | 4 | pinning.approve_on_first_sight         | unknown key (allowed: mode)
            pinning-bad-mode.yaml         |                          | 2 | pinning.mode                           | must be 'enforce', 'report' or 'off'
            approvals-bad-timeout.yaml    |                          | 3 | approvals.timeout                      | must be a duration
            command-and-url.yaml          |                          | 6 | servers.both                           | give either command (a stdio server) or url
            neither-command-nor-url.yaml  |                          | 3 | servers.nothing                        | give either command (a stdio server) or url
            bad-url-scheme.yaml           |                          | 4 | servers.remote.url                     | must be an http:// or https:// URL
            bad-duration.yaml             |                          | 6 | servers.slow.timeout                   | must be a duration like 500ms, 30s, 5m or 1h
            zero-duration.yaml            |                          | 2 | session_idle_timeout                   | must be longer than zero
            missing-env-var.yaml          |                          | 7 | servers.remote.headers.Authorization   | environment variable REMOTE_TOKEN is not set
            malformed-reference.yaml      |                          | 6 | servers.db.env.PGPASSWORD              | malformed reference '${PGPASSWORD'
            wrong-version.yaml            |                          | 2 | version                                | unsupported version
            version-string.yaml           |                          | 1 | version                                | must be an integer
            missing-version.yaml          |                          | 2 | version                                | is required (write version: 1)
            bad-listen.yaml               |                          | 2 | listen                                 | must be host:port
            bad-listen-port.yaml          |                          | 3 | listen                                 | port must be between 0 and 65535
            auth-none-public.yaml         |                          | 3 | auth                                   | 'none' is allowed only when listen is a loopback address
            storage-postgres.yaml         |                          | 2 | storage                                | only 'sqlite' is supported
            duplicate-key.yaml            |                          | 6 | servers.files.command                  | duplicate key
            duplicate-server.yaml         |                          | 5 | servers.files                          | duplicate key
            yaml-syntax-error.yaml        |                          | 5 |                                        | syntax error: expected <block end>
            prefix-clash.yaml             |                          | 7 | servers.gh-mirror.prefix               | prefix 'github' is also used by server 'github'
            bad-prefix.yaml               |                          | 5 | servers.files.prefix                   | may use letters, digits
            bad-separator.yaml            |                          | 3 | naming.separator                       | must be 1 to 4 characters
            import-and-yaml.yaml          |                          | 6 | servers.files                          | server 'files' is also defined in the imported file
            bad-mcp-json.yaml             | bad-mcp-json.mcp.json    | 6 | mcpServers.files.autoApprove           | unknown key (allowed: args, command, cwd, env, headers, type, url)
            mcp-json-syntax-error.yaml    | mcp-json-syntax-error.mcp.json | 3 |                                  | syntax error: Unexpected character ('}'
            mcp-json-env-var.yaml         | mcp-json-env-var.mcp.json | 6 | mcpServers.github.headers.Authorization | environment variable GITHUB_PAT is not set
            import-missing.yaml           |                          | 3 | import                                 | file not found:
            args-not-list.yaml            |                          | 5 | servers.files.args                     | must be a list
            arg-not-string.yaml           |                          | 7 | servers.files.args[1]                  | must be a string
            env-not-map.yaml              |                          | 5 | servers.db.env                         | must be a mapping
            servers-not-map.yaml          |                          | 2 | servers                                | must be a mapping
            not-a-mapping.yaml            |                          | 1 |                                        | must be a mapping
            empty.yaml                    |                          | 1 |                                        | the file is empty
            comments-only.yaml            |                          | 1 |                                        | the file is empty
            bad-server-name.yaml          |                          | 4 | servers.my server                      | server names may use letters, digits, _ and -
            bad-type.yaml                 |                          | 4 | servers.remote.type                    | must be stdio, http or sse
            stdio-type-with-url.yaml      |                          | 5 | servers.remote.type                    | a stdio server needs command, not url
            headers-on-stdio.yaml         |                          | 5 | servers.files.headers                  | applies only to remote (url) servers
            cwd-on-remote.yaml            |                          | 5 | servers.remote.cwd                     | applies only to stdio (command) servers
            required-not-boolean.yaml     |                          | 5 | servers.files.required                 | must be true or false
            key-with-newline.yaml         |                          | 5 | servers.files.time\\nout                | unknown key
            yaml-alias.yaml               |                          | 9 | servers.mirror.headers.Authorization   | YAML aliases (*token) are not supported
            audit-unknown-key.yaml        |                          | 5 | audit.checkpoints_every                | unknown key (allowed: checkpoint_every, checkpoint_interval, max_file_bytes, mode, redact_fields, retention_days)
            audit-bad-mode.yaml           |                          | 3 | audit.mode                             | must be 'durable' or 'async'
            audit-tiny-file.yaml          |                          | 3 | audit.max_file_bytes                   | must be between 4096 and
            audit-empty-redact-field.yaml |                          | 3 | audit.redact_fields[1]                 | must be a field name
            oauth-missing-issuer.yaml     |                          | 2 | oauth.issuer                           | is required (the authorization server's issuer URL
            oauth-missing-audience.yaml   |                          | 2 | oauth.audience                         | is required (this gateway's resource URL
            oauth-alg-none.yaml           |                          | 5 | oauth.algorithms[1]                    | 'none' would accept unsigned tokens: never allowed
            oauth-alg-hs256.yaml          |                          | 6 | oauth.algorithms[0]                    | 'HS256' (HMAC) is refused
            oauth-unknown-key.yaml        |                          | 5 | oauth.role_claim                       | unknown key (allowed: algorithms, audience, authorization_servers,
            oauth-http-issuer.yaml        |                          | 3 | oauth.issuer                           | must be an https:// URL (http:// is accepted only for loopback hosts)
            oauth-with-auth-none.yaml     |                          | 3 | oauth                                  | has no effect with auth: none
            oauth-audience-fragment.yaml  |                          | 4 | oauth.audience                         | must not contain a fragment (RFC 8707)
            oauth-refresh-not-shorter.yaml |                         | 6 | oauth.jwks_refresh_interval            | must be shorter than jwks_cache (60s)
            inline-token-in-env.yaml      |                          | 8 | servers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN | the value is a secret written inline: use ${GITHUB_PERSONAL_ACCESS_TOKEN} or ${file:secrets/github}, or set allow_inline_secrets: true
            inline-authorization-header.yaml |                       | 7 | servers.remote.headers.Authorization   | the value is a secret written inline: use ${REMOTE_TOKEN} or ${file:secrets/remote}, or set allow_inline_secrets: true
            inline-header-in-mcp-json.yaml | inline-header-in-mcp-json.mcp.json | 6 | mcpServers.github.headers.X-API-Key | the value is a secret written inline: use ${GITHUB_TOKEN} or ${file:secrets/github}
            password-in-url.yaml          |                          | 5 | servers.legacy.url                     | the password in the URL is a secret written inline: use ${LEGACY_TOKEN} or ${file:secrets/legacy}
            token-in-url-query.yaml       |                          | 4 | servers.search.url                     | query parameter 'access_token' in the URL is a secret written inline: use ${SEARCH_TOKEN}
            literal-default.yaml          |                          | 6 | servers.db.env.PGPASSWORD              | the value is a secret written inline (the default of ${NAME:-...} is literal text): use ${PGPASSWORD} or ${file:secrets/db}
            file-reference-missing.yaml   |                          | 6 | servers.github.headers.Authorization   | config/broken/secrets/no-such-file): no such file
            file-reference-empty.yaml     |                          | 5 | servers.github.env.GITHUB_TOKEN        | ${file:} names no file
            file-reference-directory.yaml |                          | 5 | servers.github.env.GITHUB_TOKEN        | config/broken): it is a directory
            allow-inline-secrets-not-boolean.yaml |                  | 2 | allow_inline_secrets                   | must be true or false
            """;
    /** Every secret value in the broken fixtures holds this: no error message may. */
    static final String SECRET_MARK = "s3cr3t";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = BROKEN_CASES)
    void brokenFileIsRejectedNamingFileLineAndKey(String fixture, String in, int line, String key, String reason) {
        Path errorFile = BROKEN.resolve(in == null ? fixture : in);
        String where = errorFile + ":" + line + ": " + (key == null ? "" : key + ": ");

        assertThatThrownBy(() -> load(BROKEN.resolve(fixture), Map.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith(where).contains(reason).doesNotContain("\n")
                        .doesNotContainIgnoringCase(SECRET_MARK));
    }

    @Test
    void everyBrokenFixtureHasACase() throws IOException {
        List<String> cases = BROKEN_CASES.lines().map(l -> l.split("\\|")[0].strip()).toList();
        try (Stream<Path> files = Files.list(BROKEN)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")))
                    .containsExactlyInAnyOrderElementsOf(cases);
        }
    }

    @Test
    void oauthSectionIsReadWithEveryKey() {
        OAuthConfig o = load(GOOD.resolve("oauth.yaml"), Map.of()).oauth().orElseThrow();

        assertThat(o.issuer()).isEqualTo(URI.create("https://idp.example.com/realms/main"));
        assertThat(o.jwksUri()).contains(URI.create("https://idp.example.com/realms/main/protocol/openid-connect/certs"));
        assertThat(o.audience()).isEqualTo("http://127.0.0.1:8080/mcp");
        assertThat(o.algorithms()).containsExactly("ES256", "PS256");
        assertThat(o.clockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.principalClaim()).isEqualTo("preferred_username");
        assertThat(o.rolesClaim()).isEqualTo("realm_access.roles");
        assertThat(o.jwksCache()).isEqualTo(Duration.ofMinutes(10));
        assertThat(o.jwksRefreshInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(o.authorizationServers()).containsExactly("https://idp.example.com/realms/main", "https://backup.example.com");
        assertThat(o.scopesSupported()).containsExactly("mcp:tools", "mcp:resources");
    }

    @Test
    void oauthDefaultsAreTheNamedConstants() {
        OAuthConfig o = load(GOOD.resolve("oauth-minimal.yaml"), Map.of()).oauth().orElseThrow();

        assertThat(o).isEqualTo(OAuthConfig.of(URI.create("https://idp.example.com"), java.util.Optional.empty(),
                "https://mcp.example.com/mcp"));
        assertThat(o.algorithms()).containsExactly("RS256", "ES256");
        assertThat(o.authorizationServers()).containsExactly("https://idp.example.com");
        assertThat(load(GOOD.resolve("minimal.yaml"), Map.of()).oauth()).as("no section: API keys only").isEmpty();
    }

    @Test
    void aMissingFileIsAConfigurationError() {
        Path missing = BROKEN.resolve("no-such-file.yaml");

        assertThatThrownBy(() -> load(missing, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ":1: file not found");
    }

    @Test
    void fullExampleSetsEveryKey() {
        GatewayConfig c = load(GOOD.resolve("full.yaml"), Map.of("REMOTE_TOKEN", "t0k3n"));

        assertThat(c.file()).isEqualTo(GOOD.resolve("full.yaml"));
        assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 9090));
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/waygate"));
        assertThat(c.auth()).isEqualTo(GatewayConfig.AuthMode.API_KEY);
        assertThat(c.allowedOrigins()).containsExactly("https://app.example.com", "http://localhost:3000");
        assertThat(c.maxBodyBytes()).isEqualTo(1_048_576);
        assertThat(c.separator()).isEqualTo(".");
        assertThat(c.pageSize()).isEqualTo(50);
        assertThat(c.sessionIdle()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.servers()).containsOnlyKeys("everything", "files", "remote", "legacy");

        ServerConfig everything = c.servers().get("everything");
        assertThat(everything.transport()).isEqualTo(ServerConfig.Transport.STDIO);
        assertThat(everything.command()).contains("npx");
        assertThat(everything.args()).containsExactly("-y", "@modelcontextprotocol/server-everything");
        assertThat(everything.env()).isEqualTo(Map.of("LOG_LEVEL", "debug"));
        assertThat(everything.cwd()).contains(GOOD.resolve("work"));
        assertThat(everything.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(everything.required()).isFalse();
        assertThat(everything.url()).isEmpty();

        ServerConfig files = c.servers().get("files");
        assertThat(files.transport()).isEqualTo(ServerConfig.Transport.STDIO);
        assertThat(files.namespace()).isEqualTo("fs");
        assertThat(files.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.exposedName(files, "read_file")).isEqualTo("fs.read_file");

        ServerConfig remote = c.servers().get("remote");
        assertThat(remote.transport()).isEqualTo(ServerConfig.Transport.HTTP);
        assertThat(remote.url()).contains(URI.create("https://mcp.example.com/mcp"));
        assertThat(remote.headers()).isEqualTo(Map.of("Authorization", "Bearer t0k3n"));
        assertThat(remote.namespace()).isEqualTo("r");
        assertThat(remote.timeout()).isEqualTo(Duration.ofHours(1));
        assertThat(remote.command()).isEmpty();
        assertThat(remote.required()).isTrue();

        ServerConfig legacy = c.servers().get("legacy");
        assertThat(legacy.transport()).isEqualTo(ServerConfig.Transport.SSE);
        assertThat(legacy.timeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void importedMcpJsonServersComeFirstWithTheirTypes() {
        GatewayConfig c = load(GOOD.resolve("import.yaml"), Map.of("GITHUB_PAT", "ghp_x"));

        assertThat(c.servers()).containsOnlyKeys("files", "github", "legacy", "local", "memory");
        assertThat(c.servers().keySet()).containsExactly("files", "github", "legacy", "local", "memory");
        ServerConfig files = c.servers().get("files");
        assertThat(files.transport()).isEqualTo(ServerConfig.Transport.STDIO);
        assertThat(files.command()).contains("npx");
        assertThat(files.args()).containsExactly("-y", "@modelcontextprotocol/server-filesystem", "/tmp");
        assertThat(files.env()).isEqualTo(Map.of("NODE_ENV", "production"));
        assertThat(files.namespace()).isEqualTo("files");
        assertThat(files.timeout()).isEqualTo(ServerConfig.DEFAULT_TIMEOUT);
        ServerConfig github = c.servers().get("github");
        assertThat(github.transport()).isEqualTo(ServerConfig.Transport.HTTP);
        assertThat(github.url()).contains(URI.create("https://api.githubcopilot.com/mcp/"));
        assertThat(github.headers()).isEqualTo(Map.of("Authorization", "Bearer ghp_x"));
        ServerConfig legacy = c.servers().get("legacy");
        assertThat(legacy.transport()).isEqualTo(ServerConfig.Transport.SSE);
        assertThat(legacy.url()).contains(URI.create("http://127.0.0.1:3001/sse"));
        assertThat(c.servers().get("local").transport()).isEqualTo(ServerConfig.Transport.STDIO);
        assertThat(c.servers().get("local").args()).isEmpty();
        assertThat(c.servers().get("memory").args()).containsExactly("-y", "@modelcontextprotocol/server-memory");
        // Clients start .mcp.json servers in that file's directory, so the gateway does too.
        assertThat(files.cwd()).contains(GOOD.resolve("project"));
        assertThat(c.servers().get("local").cwd()).contains(GOOD.resolve("project"));
    }

    @Test
    void environmentReferencesExpandAndDoubleDollarIsADollar() {
        Map<String, String> env = Map.of("HOST", "127.0.0.2", "PORT", "8081", "STATE", "/srv/state", "HOME", "/home/ada",
                "ARG", "${HOME}", "PGPASSWORD", "p$ss\\w0rd", "API_HOST", "api.example.com", "TOKEN", "abc", "EMPTY_REGION", "");

        GatewayConfig c = load(GOOD.resolve("env.yaml"), env);

        assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.2", 8081));
        assertThat(c.dataDir()).isEqualTo(Path.of("/srv/state/waygate"));
        ServerConfig db = c.servers().get("db");
        assertThat(db.command()).contains("/home/ada/bin/db-server");
        // $${X} is the text ${X}; a value is not expanded again; a $ before anything else stays.
        assertThat(db.args()).containsExactly("--literal=${NOT_EXPANDED}", "--price=$5", "${HOME}", "$5 stays");
        assertThat(db.env()).isEqualTo(Map.of("PGPASSWORD", "p$ss\\w0rd", "BOTH", "127.0.0.2:8081$",
                "LEVEL", "info", "REGION", "eu-west-1", "SET", "127.0.0.2"));
        ServerConfig remote = c.servers().get("remote");
        assertThat(remote.url()).contains(URI.create("https://api.example.com/mcp"));
        assertThat(remote.headers()).isEqualTo(Map.of("Authorization", "Bearer abc"));
    }

    @Test
    void defaultsApplyToWhatIsNotWritten() {
        GatewayConfig c = load(Path.of("src/test/resources/config/good/minimal.yaml"), Map.of());

        assertThat(c.file()).isEqualTo(GOOD.resolve("minimal.yaml"));
        assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 8080)).isEqualTo(GatewayConfig.DEFAULT_LISTEN);
        assertThat(c.dataDir()).isEqualTo(GOOD.resolve("data"));
        assertThat(c.auth()).isEqualTo(GatewayConfig.AuthMode.API_KEY);
        assertThat(c.allowedOrigins()).isEmpty();
        assertThat(c.maxBodyBytes()).isEqualTo(GatewayConfig.DEFAULT_MAX_BODY_BYTES);
        assertThat(c.separator()).isEqualTo("__");
        assertThat(c.pageSize()).isEqualTo(GatewayConfig.DEFAULT_PAGE_SIZE);
        assertThat(c.sessionIdle()).isEqualTo(GatewayConfig.DEFAULT_SESSION_IDLE);
        assertThat(c.audit()).isEqualTo(AuditConfig.DEFAULTS);
        ServerConfig memory = c.servers().get("memory");
        assertThat(memory.transport()).isEqualTo(ServerConfig.Transport.STDIO);
        assertThat(memory.namespace()).isEqualTo("memory");
        assertThat(memory.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(memory.required()).isTrue();
        assertThat(memory.args()).isEmpty();
        assertThat(memory.env()).isEmpty();
        assertThat(memory.cwd()).isEmpty();
        assertThat(c.exposedName(memory, "read_graph")).isEqualTo("memory__read_graph");
        ServerConfig remote = c.servers().get("remote");
        assertThat(remote.transport()).isEqualTo(ServerConfig.Transport.HTTP);
        assertThat(remote.namespace()).isEqualTo("remote");
        assertThat(remote.headers()).isEmpty();
    }

    @Test
    void emptyPrefixMeansUnprefixedAndTwoUnprefixedServersDoNotClash() {
        GatewayConfig c = load(GOOD.resolve("unprefixed.yaml"), Map.of());

        assertThat(c.servers().get("everything").namespace()).isEmpty();
        assertThat(c.servers().get("memory").namespace()).isEmpty();
        assertThat(c.exposedName(c.servers().get("everything"), "echo")).isEqualTo("echo");
        assertThat(c.exposedName(c.servers().get("files"), "read_file")).isEqualTo("files__read_file");
    }

    @Test
    void authNoneIsAllowedOnLoopback() {
        GatewayConfig c = load(GOOD.resolve("auth-none-loopback.yaml"), Map.of());

        assertThat(c.auth()).isEqualTo(GatewayConfig.AuthMode.NONE);
        assertThat(c.listen().isLoopback()).isTrue();
    }

    @Test
    void auditSectionIsRead() {
        AuditConfig a = load(GOOD.resolve("audit.yaml"), Map.of()).audit();
        assertThat(a).isEqualTo(new AuditConfig(AuditConfig.Mode.ASYNC, 50, Duration.ofSeconds(2), 1_048_576,
                List.of("ssn", "customer_id"), 30));
    }

    static GatewayConfig load(Path file, Map<String, String> env) {
        return new ConfigLoader(env::get).read(file);
    }
}
