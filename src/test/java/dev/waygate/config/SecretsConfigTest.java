package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Secrets in the configuration (decision 0010): {@code ${file:PATH}}, the {@code NAME_FILE} twin of
 * {@code ${NAME}}, and the refusal of secrets written inline. Every error and warning is checked
 * to name file, line and key and never to hold the secret.
 */
class SecretsConfigTest {
    static final String SECRET = "s3cr3t-Value-42";

    @TempDir
    Path dir;
    final Map<String, String> env = new HashMap<>();
    final List<String> warnings = new ArrayList<>();

    // ---- which names are secrets ----

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GITHUB_TOKEN", "github_token", "GITHUB_PERSONAL_ACCESS_TOKEN", "SLACK_BOT_TOKEN", "HF_TOKEN",
            "PGPASSWORD", "MYSQL_PWD", "DB_PASSWD", "AWS_SECRET_ACCESS_KEY", "CLIENT_SECRET", "OPENAI_API_KEY", "APIKEY",
            "SSH_PRIVATE_KEY", "ACCESS_KEY", "DB_CREDENTIALS", "CREDENTIAL", "BASIC_AUTH", "NPM_AUTH", "AUTH",
            "REFRESH_TOKENS", "SESSION_COOKIE"})
    void secretEnvironmentNames(String name) {
        assertThat(InlineSecrets.isSecretEnvName(name)).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PATH", "NODE_ENV", "LOG_LEVEL", "HOME", "DEBUG", "PWD", "TOKENIZERS_PARALLELISM",
            "GIT_AUTHOR_NAME", "AUTHOR", "MEMORY_FILE_PATH", "GOOGLE_APPLICATION_CREDENTIALS", "AWS_ACCESS_KEY_ID",
            "TOKEN_URL", "GITHUB_TOKEN_FILE", "SECRETS_DIR", "AUTH_MODE", "KEYBOARD", "MONKEY"})
    void benignEnvironmentNames(String name) {
        assertThat(InlineSecrets.isSecretEnvName(name)).isFalse();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"Authorization, true", "authorization, true", "Proxy-Authorization, true", "Cookie, true",
            "X-API-Key, true", "x-api-key, true", "X-Auth-Token, true", "X-Goog-Api-Key, true", "X-Upstream-Credential, true",
            "api-key, true", "X-Token, true", "Accept, false", "Accept-Language, false", "User-Agent, false",
            "X-Request-Id, false", "Content-Type, false", "X-Tokenizer, false", "MCP-Protocol-Version, false"})
    void secretHeaders(String name, boolean secret) {
        assertThat(InlineSecrets.isSecretHeader(name)).isEqualTo(secret);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"token, true", "access_token, true", "accessToken, true", "api_key, true", "apiKey, true", "key, true",
            "secret, true", "client_secret, true", "password, true", "sig, true", "page, false", "q, false",
            "limit, false", "monkey, false", "region, false"})
    void secretQueryParameters(String name, boolean secret) {
        assertThat(InlineSecrets.isSecretQueryParameter(name)).isEqualTo(secret);
    }

    // ---- what passes the refusal ----

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"${GITHUB_TOKEN}\"", "\"Bearer ${GITHUB_TOKEN}\"", "\"${GITHUB_TOKEN:-}\"", "\"\"", "\" \"",
            "\"${file:secrets/github}\"", "\"Bearer ${file:secrets/github}\""})
    void aReferenceOrAnEmptyValuePasses(String written) throws IOException {
        secretFile("secrets/github", SECRET + "\n");
        env.put("GITHUB_TOKEN", SECRET);

        GatewayConfig c = load("servers:\n  github:\n    url: https://mcp.example.com/mcp\n    headers:\n      Authorization: "
                + written + "\n");

        assertThat(c.servers().get("github").headers()).containsKey("Authorization");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            env: { GITHUB_TOKEN: "%s" }                                             | 5 | servers.s.env.GITHUB_TOKEN
            env: { GITHUB_TOKEN: "${GITHUB_TOKEN:-%s}" }                            | 5 | servers.s.env.GITHUB_TOKEN
            env: { GITHUB_TOKEN: "$$%s" }                                           | 5 | servers.s.env.GITHUB_TOKEN
            url: "https://mcp.example.com/mcp?key=%s"                               | 4 | servers.s.url
            url: "https://user:%s@mcp.example.com/mcp"                              | 4 | servers.s.url
            url: "https://mcp.example.com/mcp"\\n    headers: { Cookie: "sid=%s" } | 5 | servers.s.headers.Cookie
            """)
    void aLiteralSecretIsRefusedWithoutBeingPrinted(String line, int at, String key) {
        String server = line.startsWith("env") ? "    command: tool\n" : "";
        String text = "servers:\n  s:\n" + server + "    " + line.replace("\\n", "\n").formatted(SECRET) + "\n";

        assertThatThrownBy(() -> load(text))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .startsWith(dir.resolve("waygate.yaml") + ":" + at + ": " + key + ": ")
                        .contains("written inline", "allow_inline_secrets: true")
                        .doesNotContain(SECRET));
    }

    @Test
    void allowInlineSecretsLetsEveryFormThrough() throws IOException {
        Files.writeString(dir.resolve(".mcp.json"), """
                { "mcpServers": { "imported": { "url": "https://a.example.com/mcp", "headers": { "Authorization": "Bearer %s" } } } }
                """.formatted(SECRET));

        GatewayConfig c = load("""
                allow_inline_secrets: true
                import: .mcp.json
                servers:
                  local: { command: tool, env: { GITHUB_TOKEN: %1$s } }
                  remote: { url: "https://user:%1$s@mcp.example.com/mcp?token=%1$s", headers: { X-API-Key: %1$s } }
                """.formatted(SECRET));

        assertThat(c.servers().get("imported").headers()).containsEntry("Authorization", "Bearer " + SECRET);
        assertThat(c.servers().get("local").env()).containsEntry("GITHUB_TOKEN", SECRET);
        assertThat(c.servers().get("remote").headers()).containsEntry("X-API-Key", SECRET);
        assertThat(c.servers().get("remote").url()).contains(URI.create("https://user:" + SECRET + "@mcp.example.com/mcp?token=" + SECRET));
    }

    @Test
    void benignEnvironmentValuesAndNonSecretUrlsNeedNoReference() throws IOException {
        GatewayConfig c = load("""
                servers:
                  local: { command: tool, env: { PATH: /usr/bin, NODE_ENV: production, LOG_LEVEL: debug, TOKENIZERS_PARALLELISM: "false" } }
                  remote: { url: "https://ada@mcp.example.com/mcp?page=2&q=x", headers: { Accept-Language: en } }
                """);

        assertThat(c.servers().get("local").env()).hasSize(4);
        assertThat(c.servers().get("remote").url()).contains(URI.create("https://ada@mcp.example.com/mcp?page=2&q=x"));
    }

    // ---- ${file:PATH} ----

    @Test
    void aFileReferenceIsRelativeToTheConfigurationAndLosesItsTrailingLineBreaks() throws IOException {
        secretFile("secrets/github", SECRET + "\r\n\n");
        secretFile("secrets/multi", "line one\nline two\n");

        GatewayConfig c = load("""
                servers:
                  gh: { command: tool, env: { GITHUB_TOKEN: "${file:secrets/github}", MULTI: "${file:./secrets/../secrets/multi}" } }
                """);

        assertThat(c.servers().get("gh").env()).containsEntry("GITHUB_TOKEN", SECRET).containsEntry("MULTI", "line one\nline two");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aFileReferenceInAnImportedFileIsRelativeToThatFile() throws IOException {
        Files.createDirectories(dir.resolve("project/secrets"));
        secretFile("project/secrets/gh", SECRET);
        Files.writeString(dir.resolve("project/.mcp.json"), """
                { "mcpServers": { "gh": { "url": "https://a.example.com/mcp", "headers": { "Authorization": "Bearer ${file:secrets/gh}" } } } }
                """);

        GatewayConfig c = load("import: project/.mcp.json\n");

        assertThat(c.servers().get("gh").headers()).containsEntry("Authorization", "Bearer " + SECRET);
    }

    @Test
    void aFileReferenceIsExpandedOnceAndItsContentIsNotAReference() throws IOException {
        secretFile("secrets/odd", "${HOME}$$");

        GatewayConfig c = load("servers:\n  s: { command: tool, env: { A_TOKEN: \"${file:secrets/odd}\" } }\n");

        assertThat(c.servers().get("s").env()).containsEntry("A_TOKEN", "${HOME}$$");
    }

    @Test
    void aFileEveryUserMayWriteIsRefused() throws IOException {
        Path f = secretFile("secrets/github", SECRET);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));

        assertThatThrownBy(() -> load("servers:\n  s: { command: tool, env: { GITHUB_TOKEN: \"${file:secrets/github}\" } }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir.resolve("waygate.yaml") + ":3: servers.s.env.GITHUB_TOKEN: ${file:secrets/github} ("
                        + f + ") can be written by every user")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }

    @Test
    void aFileEveryUserMayReadIsAWarningNamingFileLineAndKeyOnce() throws IOException {
        Path f = secretFile("secrets/github", SECRET);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));

        GatewayConfig c = load("""
                servers:
                  a: { command: tool, env: { GITHUB_TOKEN: "${file:secrets/github}" } }
                  b: { command: tool, env: { GITHUB_TOKEN: "${file:secrets/github}" } }
                """);

        assertThat(c.servers().get("b").env()).containsEntry("GITHUB_TOKEN", SECRET);
        assertThat(warnings).singleElement().asString()
                .startsWith(dir.resolve("waygate.yaml") + ":3: servers.a.env.GITHUB_TOKEN: ${file:secrets/github} (" + f + ")")
                .contains("can be read by every user", "chmod 600")
                .doesNotContain(SECRET);
    }

    @Test
    void aFileLargerThanTheLimitIsRefused() throws IOException {
        secretFile("big", "x".repeat(SecretFiles.MAX_BYTES + 1));

        assertThatThrownBy(() -> load("servers:\n  s: { command: tool, env: { BIG: \"${file:big}\" } }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("): larger than " + SecretFiles.MAX_BYTES + " bytes");
    }

    // ---- NAME_FILE ----

    @Test
    void anUnsetVariableIsReadFromTheFileItsFileTwinNames() throws IOException {
        env.put("GITHUB_TOKEN_FILE", secretFile("run/gh", SECRET + "\n").toString());
        env.put("EMPTY_TOKEN", "");
        env.put("EMPTY_TOKEN_FILE", secretFile("run/empty", "from-file").toString());

        GatewayConfig c = load("""
                servers:
                  s: { command: tool, env: { GITHUB_TOKEN: "${GITHUB_TOKEN}", D_TOKEN: "${GITHUB_TOKEN:-}", E_TOKEN: "${EMPTY_TOKEN}" } }
                """);

        assertThat(c.servers().get("s").env()).containsEntry("GITHUB_TOKEN", SECRET).containsEntry("D_TOKEN", SECRET)
                .containsEntry("E_TOKEN", "from-file");
    }

    @Test
    void aVariableAndItsFileTwinBothSetIsAnErrorThatPrintsNeither() throws IOException {
        env.put("GITHUB_TOKEN", SECRET);
        env.put("GITHUB_TOKEN_FILE", secretFile("run/gh", "other-" + SECRET).toString());

        assertThatThrownBy(() -> load("servers:\n  s: { command: tool, env: { GITHUB_TOKEN: \"${GITHUB_TOKEN}\" } }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("waygate.yaml") + ":3: servers.s.env.GITHUB_TOKEN: both GITHUB_TOKEN and GITHUB_TOKEN_FILE are set: unset one of them");
    }

    @Test
    void aFileTwinNamingAMissingFileIsAnErrorNamingFileLineAndKey() {
        Path missing = dir.resolve("run/nope");
        env.put("GITHUB_TOKEN_FILE", missing.toString());

        assertThatThrownBy(() -> load("servers:\n  s:\n    url: https://a.example.com/mcp\n    headers: { Authorization: \"Bearer ${GITHUB_TOKEN}\" }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("waygate.yaml") + ":5: servers.s.headers.Authorization: cannot read GITHUB_TOKEN_FILE ("
                        + missing + "): no such file");
    }

    @Test
    void aMissingVariableNamesItsFileTwinToo() {
        assertThatThrownBy(() -> load("servers:\n  s: { command: tool, env: { GITHUB_TOKEN: \"${GITHUB_TOKEN}\" } }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("servers.s.env.GITHUB_TOKEN: environment variable GITHUB_TOKEN is not set (nor GITHUB_TOKEN_FILE)");
    }

    private Path secretFile(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private GatewayConfig load(String afterVersion) throws IOException {
        Path file = Files.writeString(dir.resolve("waygate.yaml"), "version: 1\n" + afterVersion);
        return new ConfigLoader(env::get, warnings::add).read(file);
    }
}
