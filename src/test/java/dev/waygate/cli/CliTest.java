package dev.waygate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.Version;
import dev.waygate.auth.KeyStore;
import dev.waygate.mcp.ProtocolVersions;
import dev.waygate.store.Database;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code Main.run}: exit codes 0 / 1 / 2, one line on stderr for every error, and the keys commands against a real SQLite store. */
class CliTest {
    static final Path GOOD = Path.of("src/test/resources/config/good").toAbsolutePath();
    static final Path BROKEN = Path.of("src/test/resources/config/broken").toAbsolutePath();
    static final String KEY_FORM = "wg_[a-z0-9]{10}_[A-Za-z0-9_-]{43}";

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    @TempDir
    Path dir;
    Path config;

    @BeforeEach
    void writeConfig() throws IOException {
        config = Files.writeString(dir.resolve("waygate.yaml"), "version: 1\ndata_dir: state\n");
    }

    @Test
    void checkConfigOnAGoodFileSummarisesIt() {
        Result r = run("check-config", GOOD.resolve("unprefixed.yaml").toString());

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out()).contains(GOOD.resolve("unprefixed.yaml") + ": ok",
                "listen 127.0.0.1:8080, auth api_key, data_dir " + GOOD.resolve("data"),
                "server everything: stdio npx (0 args, 0 env), unprefixed", "server files: stdio npx (0 args, 0 env), prefix files__");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void checkConfigNeverPrintsArgumentsHeadersOrEnvironmentValues() throws IOException {
        Path f = Files.writeString(dir.resolve("secrets.yaml"), """
                version: 1
                allow_inline_secrets: true
                servers:
                  local: { command: tool, args: [--token, s3cr3t-arg], env: { API_KEY: s3cr3t-env } }
                  remote: { url: "https://mcp.example.com/mcp?key=s3cr3t-query", headers: { Authorization: "Bearer s3cr3t-header" } }
                """);
        Result r = run("check-config", f.toString());

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("server local: stdio tool (2 args, 1 env)", "server remote: http https://mcp.example.com/mcp (1 headers)");
        assertThat(r.out() + r.err()).doesNotContain("s3cr3t");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            duplicate-key.yaml   | duplicate-key.yaml    | 6 | servers.files.command:
            unknown-server-key.yaml | unknown-server-key.yaml | 6 | servers.files.argz: unknown key
            wrong-version.yaml   | wrong-version.yaml    | 2 | version: unsupported version
            prefix-clash.yaml    | prefix-clash.yaml     | 7 | servers.gh-mirror.prefix: prefix 'github'
            bad-mcp-json.yaml    | bad-mcp-json.mcp.json | 6 | mcpServers.files.autoApprove: unknown key
            yaml-syntax-error.yaml | yaml-syntax-error.yaml | 5 | syntax error:
            key-with-newline.yaml | key-with-newline.yaml | 5 | servers.files.time\\nout: unknown key
            """)
    void checkConfigOnABrokenFileExitsTwoWithOneLineNamingFileLineAndKey(String fixture, String in, int line, String what) {
        Result r = run("check-config", BROKEN.resolve(fixture).toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).singleElement().asString().startsWith("waygate: " + BROKEN.resolve(in) + ":" + line + ": " + what);
    }

    @Test
    void checkConfigOnAMissingFileExitsTwo() {
        Path missing = dir.resolve("nope.yaml");

        Result r = run("check-config", missing.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).containsExactly("waygate: " + missing + ":1: file not found");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            frobnicate           | Unmatched argument at index 0: 'frobnicate'
            ""                   | Missing required subcommand
            check-config         | Missing required parameter: 'FILE'
            keys list            | Missing required option: '--config=FILE'
            keys                 | Missing required subcommand
            keys create --config x | Missing required parameter: 'NAME'
            check-config a b     | Unmatched argument at index 2: 'b'
            """)
    void badUsageExitsTwoWithOneLine(String args, String reason) {
        Result r = run(args.isEmpty() ? new String[0] : args.split(" "));

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).singleElement().asString().startsWith("waygate: " + reason).contains("--help");
    }

    @ParameterizedTest
    @ValueSource(strings = {"version", "--version"})
    void versionPrintsTheVersionAndTheProtocolVersions(String arg) {
        Result r = run(arg);

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out()).startsWith("waygate " + Version.VERSION + System.lineSeparator())
                .contains("mcp protocol " + String.join(", ", ProtocolVersions.SUPPORTED));
        assertThat(ProtocolVersions.SUPPORTED).allSatisfy(v -> assertThat(r.out()).contains(v));
        assertThat(r.err()).isEmpty();
    }

    @Test
    void helpExitsZero() {
        Result r = run("--help");

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("check-config", "keys", "serve", "stdio", "version");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"keys create", "keys", "check-config", "serve", "stdio"})
    void everySubcommandHasTheHelpTheUsageErrorsPointTo(String command) {
        Result r = run((command + " --help").split(" "));

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out()).startsWith("Usage: waygate " + command);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void keysCreatePrintsOneKeyAndStoresOnlyItsHash() throws Exception {
        Result r = run("keys", "create", "alice", "--role", "dev", "--role", "ops", "--config", config.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(Main.OK);
        assertThat(r.out()).matches(KEY_FORM + "\\R");
        String key = r.out().strip();
        String id = key.substring(3, 13);
        String secret = key.substring(14);
        assertThat(r.errLines()).singleElement().asString().contains("wg_" + id).doesNotContain(secret);

        Path data = dir.resolve("state");
        assertThat(data.resolve("waygate.db")).exists();
        assertThat(Files.getPosixFilePermissions(data)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        for (Path f : files(data)) {
            String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(bytes).as(f.toString()).doesNotContain(key).doesNotContain(secret);
        }
        List<List<String>> rows = query(data, "SELECT id, name, roles, hash, expires_at, revoked_at FROM api_keys");
        assertThat(rows).containsExactly(List.of(id, "alice", "dev,ops", sha256(key), "null", "null"));
        try (Database db = Database.open(data)) {
            assertThat(new KeyStore(db).authenticate(key)).hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("alice"));
        }
    }

    @Test
    void keysListShowsTheKeyWithoutItsSecretAndRevokeByPrefixShowsRevoked() {
        String key = create("alice");
        String prefix = key.substring(0, 13);

        Result listed = run("keys", "list", "--config", config.toString());
        assertThat(listed.code()).isEqualTo(Main.OK);
        assertThat(listed.out()).contains(prefix, "alice", "active").doesNotContain(key).doesNotContain(key.substring(14));

        Result revoked = run("keys", "revoke", prefix, "--config", config.toString());
        assertThat(revoked.code()).isEqualTo(Main.OK);
        assertThat(revoked.errLines()).containsExactly("waygate: revoked " + prefix);

        Result after = run("keys", "list", "--config", config.toString());
        assertThat(after.out().lines().filter(l -> l.startsWith(prefix)))
                .singleElement().asString().contains("alice").contains("revoked").doesNotContain("active");
    }

    @Test
    void revokingAnUnknownOrAlreadyRevokedKeyExitsOne() {
        String prefix = create("alice").substring(0, 13);
        assertThat(run("keys", "revoke", prefix, "--config", config.toString()).code()).isEqualTo(Main.OK);

        Result again = run("keys", "revoke", prefix, "--config", config.toString());
        Result unknown = run("keys", "revoke", "wg_0000000000", "--config", config.toString());

        assertThat(again.code()).isEqualTo(Main.FAILURE);
        assertThat(again.errLines()).containsExactly("waygate: no active key " + prefix);
        assertThat(unknown.code()).isEqualTo(Main.FAILURE);
        assertThat(unknown.errLines()).containsExactly("waygate: no active key wg_0000000000");
    }

    @Test
    void expiresSetsTheExpiry() throws Exception {
        Instant before = Instant.now();
        Result r = run("keys", "create", "ci-bot", "--expires", "30d", "--config", config.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(Main.OK);
        assertThat(r.out()).matches(KEY_FORM + "\\R");
        Instant expires = Instant.parse(query(dir.resolve("state"), "SELECT expires_at FROM api_keys").getFirst().getFirst());
        assertThat(expires).isBetween(before.plus(Duration.ofDays(30)), Instant.now().plus(Duration.ofDays(30)));
        assertThat(run("keys", "list", "--config", config.toString()).out()).contains("ci-bot", "active");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"soon", "30", "30x", "0d", "PT-1H", "-5d", "99999999999999999999d", "9999999999999999d"})
    void aBadExpiryExitsTwoAndCreatesNothing(String expires) throws Exception {
        Result r = run("keys", "create", "ci-bot", "--expires", expires, "--config", config.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).singleElement().asString().startsWith("waygate: --expires: '" + expires + "'")
                .endsWith("see 'waygate keys create --help'");
        assertThat(run("keys", "list", "--config", config.toString()).out().lines()).hasSize(1);
    }

    @Test
    void aBadKeyNameExitsTwo() {
        Result r = run("keys", "create", "two words", "--config", config.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).singleElement().asString().startsWith("waygate: key names may use")
                .endsWith("see 'waygate keys create --help'");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"serve", "stdio", "keys list", "keys create alice", "keys revoke wg_0000000000"})
    void everyCommandThatReadsAConfigurationExitsTwoOnABrokenOne(String command) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--config", BROKEN.resolve("bad-listen.yaml").toString()));

        Result r = run(args.toArray(String[]::new));

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("waygate: " + BROKEN.resolve("bad-listen.yaml")
                + ":2: listen: must be host:port, e.g. 127.0.0.1:8080");
    }

    @Test
    void stdioRefusesARevokedKeyWithExitOne() throws IOException {
        String key = create("alice");
        assertThat(run("keys", "revoke", key.substring(0, 13), "--config", config.toString()).code()).isEqualTo(Main.OK);
        Path keyFile = Files.writeString(dir.resolve("key"), key + "\n");

        Result r = run("stdio", "--config", config.toString(), "--key-file", keyFile.toString());

        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("waygate: the API key is not valid (unknown, expired or revoked)");
    }

    @Test
    void stdioValidatesAJwtInsteadOfAKeyWhenOauthIsConfigured() throws Exception {
        try (dev.waygate.auth.TestIssuer issuer = new dev.waygate.auth.TestIssuer()) {
            Files.writeString(config, "version: 1\ndata_dir: state\noauth:\n  issuer: " + issuer.issuer()
                    + "\n  audience: " + dev.waygate.auth.TestIssuer.AUDIENCE + "\n");
            String expired = issuer.rs256(b -> b.expirationTime(java.util.Date.from(Instant.now().minusSeconds(600))));
            Path keyFile = Files.writeString(dir.resolve("token"), expired + "\n");

            Result r = run("stdio", "--config", config.toString(), "--key-file", keyFile.toString());

            assertThat(r.code()).isEqualTo(Main.FAILURE);
            assertThat(r.out()).isEmpty();
            assertThat(r.errLines()).containsExactly("waygate: the access token is not valid: token expired");
        }
    }

    @Test
    void stdioWithAMissingKeyFileExitsTwo() {
        Path keyFile = dir.resolve("no-such-key");

        Result r = run("stdio", "--config", config.toString(), "--key-file", keyFile.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("waygate: --key-file: cannot read " + keyFile
                + ": no such file; see 'waygate stdio --help'");
    }

    @Test
    void stdioReadsTheKeyFromTheFileWaygateApiKeyFileNames() throws IOException {
        String key = create("alice");
        assertThat(run("keys", "revoke", key.substring(0, 13), "--config", config.toString()).code()).isEqualTo(Main.OK);
        Path keyFile = Files.writeString(dir.resolve("key"), key + "\n");

        Result r = run(Map.of("WAYGATE_API_KEY_FILE", keyFile.toString()), "stdio", "--config", config.toString());

        // Read and checked (a revoked key, so the command ends before serving stdin), never printed.
        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("waygate: the API key is not valid (unknown, expired or revoked)");
    }

    @Test
    void stdioWithWaygateApiKeyFileNamingAMissingFileExitsTwo() {
        Path keyFile = dir.resolve("no-such-key");

        Result r = run(Map.of("WAYGATE_API_KEY_FILE", keyFile.toString()), "stdio", "--config", config.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("waygate: WAYGATE_API_KEY_FILE: cannot read " + keyFile
                + ": no such file; see 'waygate stdio --help'");
    }

    @Test
    void stdioRefusesBothWaygateApiKeyAndItsFileWithoutPrintingEither() throws IOException {
        String key = create("alice");
        Path keyFile = Files.writeString(dir.resolve("key"), key + "\n");

        Result r = run(Map.of("WAYGATE_API_KEY", key, "WAYGATE_API_KEY_FILE", keyFile.toString()),
                "stdio", "--config", config.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).containsExactly("waygate: both WAYGATE_API_KEY and WAYGATE_API_KEY_FILE are set: "
                + "unset one of them; see 'waygate stdio --help'");
        assertThat(r.out() + r.err()).doesNotContain(key).doesNotContain(key.substring(14));
    }

    @Test
    void stdioKeyFileOnTheCommandLineWinsOverTheEnvironment() throws IOException {
        String key = create("alice");
        assertThat(run("keys", "revoke", key.substring(0, 13), "--config", config.toString()).code()).isEqualTo(Main.OK);
        Path keyFile = Files.writeString(dir.resolve("key"), key + "\n");

        Result r = run(Map.of("WAYGATE_API_KEY_FILE", dir.resolve("no-such-key").toString(), "WAYGATE_API_KEY", "wg_other"),
                "stdio", "--config", config.toString(), "--key-file", keyFile.toString());

        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.errLines()).containsExactly("waygate: the API key is not valid (unknown, expired or revoked)");
    }

    @Test
    void stdioWithoutAnyKeySaysWhereOneCanComeFrom() {
        Result r = run(Map.of(), "stdio", "--config", config.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).containsExactly(
                "waygate: stdio needs an API key: set WAYGATE_API_KEY or WAYGATE_API_KEY_FILE, or pass --key-file");
    }

    @Test
    void checkConfigRefusesAnInlineSecretInOneLineWithoutPrintingIt() throws IOException {
        Path f = Files.writeString(dir.resolve("inline.yaml"), """
                version: 1
                servers:
                  github: { command: npx, env: { GITHUB_TOKEN: ghp_s3cr3t0123456789 } }
                """);

        Result r = run("check-config", f.toString());

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("waygate: " + f + ":3: servers.github.env.GITHUB_TOKEN: the value is a secret "
                + "written inline: use ${GITHUB_TOKEN} or ${file:secrets/github}, or set allow_inline_secrets: true");
    }

    @Test
    void checkConfigReadsFileReferencesAndFileTwinsAndWarnsAboutAFileEveryoneMayRead() throws IOException {
        Path secret = Files.writeString(dir.resolve("github"), "ghp_s3cr3t0123456789\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Path remote = Files.writeString(dir.resolve("remote"), "s3cr3t-remote\n");
        Files.setPosixFilePermissions(remote, PosixFilePermissions.fromString("rw-------"));
        Path f = Files.writeString(dir.resolve("refs.yaml"), """
                version: 1
                servers:
                  github: { command: npx, env: { GITHUB_TOKEN: "${file:github}" } }
                  remote: { url: https://mcp.example.com/mcp, headers: { Authorization: "Bearer ${REMOTE_TOKEN}" } }
                """);

        Result r = run(Map.of("REMOTE_TOKEN_FILE", remote.toString()), "check-config", f.toString());

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out()).contains(f + ": ok", "server github: stdio npx (0 args, 1 env)");
        assertThat(r.errLines()).containsExactly("waygate: warning: " + f + ":3: servers.github.env.GITHUB_TOKEN: ${file:github} ("
                + secret + ") can be read by every user; consider chmod 600 (Kubernetes: defaultMode 0400)");
        assertThat(r.out() + r.err()).doesNotContain("s3cr3t");
    }

    @Test
    void aStoreThatCannotBeOpenedExitsOneWithOneLine() throws IOException {
        Files.writeString(dir.resolve("state"), "a file where the data directory should be");

        Result r = run("keys", "list", "--config", config.toString());

        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).singleElement().asString().startsWith("waygate: ");
    }

    private String create(String name) {
        Result r = run("keys", "create", name, "--config", config.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(Main.OK);
        return r.out().strip();
    }

    static Result run(String... args) {
        return run(System::getenv, args);
    }

    /** {@code Main.run} with {@code env} as the whole environment. */
    static Result run(Map<String, String> env, String... args) {
        return run(env::get, args);
    }

    private static Result run(java.util.function.Function<String, String> env, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(env, args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    /** Every row as strings (SQL NULL as "null"), through plain JDBC. */
    static List<List<String>> query(Path dataDir, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("waygate.db"));
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(String.valueOf(rs.getString(i)));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
