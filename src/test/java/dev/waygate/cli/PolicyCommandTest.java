package dev.waygate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.cli.CliTest.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code waygate policy test}: the decision and the rule on stdout, --expect for CI, usage errors exit 2. */
class PolicyCommandTest {
    static final String CONFIG = """
            version: 1
            servers:
              memory: { command: npx }
              everything: { command: npx }
              gh: { command: npx }
              gh-enterprise: { command: npx, prefix: gh__enterprise }
              local: { command: npx, prefix: "" }
            policy:
              rules:
                - name: no-deletes
                  tools: ["*__delete_*"]
                  effect: deny
                - name: ops-writes
                  roles: [ops]
                  servers: [memory]
                  tools: [memory__create_*]
                  effect: allow
                  risk: high
                - name: data-files
                  principals: [alice]
                  tools: [local_read]
                  arguments:
                    path: { prefix: /srv/data }
                  effect: allow
                - name: alice-reads
                  principals: [alice]
                  tools: ["memory__read_*", "everything__get-*"]
                  effect: allow
                  risk: medium
                - name: enterprise
                  servers: [gh-enterprise]
                  effect: allow
                - name: prompts
                  prompts: [everything__simple*]
                  effect: allow
                - name: static
                  resources: ["test://static/resource/*"]
                  effect: allow
            """;

    @TempDir
    Path dir;
    String config;

    @BeforeEach
    void writeConfig() throws IOException {
        config = Files.writeString(dir.resolve("waygate.yaml"), CONFIG).toString();
    }

    Result policyTest(String... args) {
        List<String> all = new ArrayList<>(List.of("policy", "test", "--config", config));
        all.addAll(List.of(args));
        return CliTest.run(all.toArray(String[]::new));
    }

    @Test
    void anAllowedCallNamesTheRuleTheRiskAndTheServer() {
        Result r = policyTest("--principal", "alice", "--tool", "memory__read_graph");

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out()).isEqualTo("allow (rule: alice-reads, risk: medium, server: memory)" + System.lineSeparator());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aDeniedCallNamesTheRule() {
        Result r = policyTest("--principal", "alice", "--tool", "memory__delete_entities");

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out().strip()).isEqualTo("deny (rule: no-deletes, server: memory)");
    }

    @Test
    void aCallNoRuleAllowsIsDeniedByTheDefault() {
        Result r = policyTest("--principal", "bob", "--tool", "memory__read_graph");

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out().strip()).isEqualTo("deny (rule: default, server: memory)");
    }

    @Test
    void rolesAreRepeatableAndOneOfThemMatches() {
        assertThat(policyTest("--principal", "bob", "--tool", "memory__create_entities").out().strip())
                .isEqualTo("deny (rule: default, server: memory)");
        assertThat(policyTest("--principal", "bob", "--role", "dev", "--role", "ops", "--tool", "memory__create_entities")
                .out().strip()).isEqualTo("allow (rule: ops-writes, risk: high, server: memory)");
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            allow | memory__read_graph      | 0 |
            deny  | memory__read_graph      | 1 | waygate: expected deny, policy says allow
            deny  | memory__delete_entities | 0 |
            allow | memory__delete_entities | 1 | waygate: expected allow, policy says deny
            deny  | nothing__here           | 0 |
            """)
    void expectExitsOneWhenThePolicySaysOtherwise(String expect, String tool, int code, String err) {
        Result r = policyTest("--principal", "alice", "--tool", tool, "--expect", expect);

        assertThat(r.code()).isEqualTo(code);
        if (err == null) {
            assertThat(r.err()).isEmpty();
        } else {
            assertThat(r.errLines()).hasSize(1).first().asString().contains(err);
        }
        if (code == Main.FAILURE) {
            assertThat(r.out()).startsWith(expect.equals("allow") ? "deny (rule: " : "allow (rule: ");
        }
    }

    @Test
    void expectTakesOnlyAllowOrDeny() {
        Result r = policyTest("--principal", "alice", "--tool", "memory__read_graph", "--expect", "maybe");

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).singleElement().asString().contains("--expect: must be allow or deny");
        assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {                    | --args: not valid JSON
            '{"path": }'         | --args: not valid JSON
            '[1,2]'              | --args: must be a JSON object
            '"/srv/data/x"'      | --args: must be a JSON object
            null                 | --args: must be a JSON object
            """)
    void badArgsExitTwo(String args, String message) {
        Result r = policyTest("--principal", "alice", "--tool", "local_read", "--args", args);

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).singleElement().asString().startsWith("waygate: ").contains(message);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void argumentConditionsAreTestedWithArgs() {
        assertThat(policyTest("--principal", "alice", "--tool", "local_read", "--args", "{\"path\":\"/srv/data/a.txt\"}")
                .out().strip()).isEqualTo("allow (rule: data-files, risk: low, server: local)");
        assertThat(policyTest("--principal", "alice", "--tool", "local_read", "--args", "{\"path\":\"/srv/data/../../etc/passwd\"}")
                .out().strip()).isEqualTo("deny (rule: default, server: local)");
        assertThat(policyTest("--principal", "alice", "--tool", "local_read").out().strip())
                .isEqualTo("deny (rule: default, server: local)");
    }

    @Test
    void theServerIsTheLongestNamespaceThatPrefixesTheName() {
        assertThat(policyTest("--principal", "bob", "--tool", "gh__enterprise__create_issue").out().strip())
                .isEqualTo("allow (rule: enterprise, risk: low, server: gh-enterprise)");
        assertThat(policyTest("--principal", "bob", "--tool", "gh__create_issue").out().strip())
                .isEqualTo("deny (rule: default, server: gh)");
    }

    @Test
    void anUnprefixedNameGoesToTheOnlyUnprefixedServer() {
        assertThat(policyTest("--principal", "bob", "--tool", "anything").out().strip()).isEqualTo("deny (rule: default, server: local)");
    }

    @Test
    void anUnprefixedNameWithTwoUnprefixedServersIsAmbiguous() throws IOException {
        config = Files.writeString(dir.resolve("two.yaml"), """
                version: 1
                servers:
                  a: { command: npx, prefix: "" }
                  b: { command: npx, prefix: "" }
                policy: { default: allow }
                """).toString();
        Result r = policyTest("--principal", "bob", "--tool", "echo");

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).singleElement().asString().contains("cannot tell which server offers 'echo': give --server");
        assertThat(r.out()).isEmpty();
        assertThat(policyTest("--principal", "bob", "--tool", "echo", "--server", "b").out().strip())
                .isEqualTo("allow (rule: default, risk: low, server: b)");
    }

    @Test
    void serverOverridesWhatTheNameSays() {
        Result r = policyTest("--principal", "bob", "--role", "ops", "--tool", "memory__create_entities", "--server", "everything");

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out().strip()).isEqualTo("deny (rule: default, server: everything)");
    }

    @Test
    void promptsAndResources() {
        assertThat(policyTest("--principal", "bob", "--prompt", "everything__simple_prompt").out().strip())
                .isEqualTo("allow (rule: prompts, risk: low, server: everything)");
        assertThat(policyTest("--principal", "bob", "--prompt", "everything__complex_prompt").out().strip())
                .isEqualTo("deny (rule: default, server: everything)");
        assertThat(policyTest("--principal", "bob", "--resource", "test://static/resource/1", "--server", "everything").out().strip())
                .isEqualTo("allow (rule: static, risk: low, server: everything)");
        Result noServer = policyTest("--principal", "bob", "--resource", "test://static/resource/1");
        assertThat(noServer.code()).isEqualTo(Main.USAGE);
        assertThat(noServer.errLines()).singleElement().asString().contains("give --server");
    }

    @Test
    void exactlyOneTargetIsRequired() {
        assertThat(policyTest("--principal", "bob").code()).isEqualTo(Main.USAGE);
        Result two = policyTest("--principal", "bob", "--tool", "a", "--prompt", "b");
        assertThat(two.code()).isEqualTo(Main.USAGE);
        assertThat(two.errLines()).hasSize(1);
    }

    @Test
    void aBrokenPolicyExitsTwoNamingFileAndLine() throws IOException {
        Path broken = Path.of("src/test/resources/config/policy/broken/tool-glob-space.yaml").toAbsolutePath();
        config = broken.toString();
        Result r = policyTest("--principal", "bob", "--tool", "memory__read_graph");

        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).singleElement().asString()
                .startsWith("waygate: " + broken + ":8: policy.rules[0].tools[1]: ' ' can never appear");
    }

    @Test
    void withoutAPolicySectionEverythingIsDenied() throws IOException {
        config = Files.writeString(dir.resolve("none.yaml"), "version: 1\nservers:\n  memory: { command: npx }\n").toString();
        Result r = policyTest("--principal", "admin", "--role", "admin", "--tool", "memory__read_graph", "--expect", "deny");

        assertThat(r.code()).isEqualTo(Main.OK);
        assertThat(r.out().strip()).isEqualTo("deny (rule: default, server: memory)");
    }
}
