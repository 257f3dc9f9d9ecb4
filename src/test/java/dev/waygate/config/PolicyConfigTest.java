package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.CallKind;
import dev.waygate.policy.ArgumentCondition;
import dev.waygate.policy.Effect;
import dev.waygate.policy.Policy;
import dev.waygate.policy.PolicyDecision;
import dev.waygate.policy.PolicyQuery;
import dev.waygate.policy.Risk;
import dev.waygate.policy.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code policy} section of {@code waygate.yaml}: one small broken fixture per mistake, each
 * error checked for the file, the line and the key path it names, then a fixture using every key.
 */
class PolicyConfigTest {
    static final Path BROKEN = Path.of("src/test/resources/config/policy/broken").toAbsolutePath();
    static final Path GOOD = Path.of("src/test/resources/config/policy/good").toAbsolutePath();

    /** fixture | line | key | part of the reason. */
    static final String BROKEN_CASES = """
            unknown-policy-key.yaml       |  5 | policy.defualt                           | unknown key (allowed: default, rules)
            bad-default.yaml              |  3 | policy.default                           | must be allow or deny
            rules-not-list.yaml           |  3 | policy.rules                             | must be a list
            rule-not-mapping.yaml         |  7 | policy.rules[0]                          | must be a mapping
            unknown-rule-key.yaml         |  8 | policy.rules[0].tool                     | unknown key (allowed: approval, arguments, effect, guards, name, principals, prompts, rate_limit, resources, risk, roles, servers, tools)
            missing-effect.yaml           |  7 | policy.rules[0].effect                   | is required (allow or deny)
            bad-effect.yaml               |  8 | policy.rules[0].effect                   | must be allow or deny
            risk-on-deny.yaml             | 10 | policy.rules[0].risk                     | applies only to rules with effect: allow
            bad-risk.yaml                 | 10 | policy.rules[0].risk                     | must be low, medium or high
            unknown-server.yaml           | 10 | policy.rules[0].servers[1]               | no server named 'memroy' (known: memory, files)
            empty-list.yaml               |  8 | policy.rules[0].principals               | an empty list matches nothing: leave the key out to match all
            principals-not-list.yaml      |  8 | policy.rules[0].principals               | must be a list
            tool-glob-space.yaml          |  8 | policy.rules[0].tools[1]                 | ' ' can never appear in a name, so 'github create' matches nothing
            tool-glob-unicode.yaml        |  9 | policy.rules[0].tools[0]                 | 'é' can never appear in a name
            prompt-glob-space.yaml        |  8 | policy.rules[0].prompts[0]               | ' ' can never appear in a name
            bad-pattern.yaml              |  9 | policy.rules[0].arguments.title.pattern  | not a valid regular expression
            relative-prefix.yaml          | 10 | policy.rules[0].arguments.path.prefix    | must be an absolute path
            traversal-prefix.yaml         | 10 | policy.rules[0].arguments.path.prefix    | without . or .. segments
            relative-prefix-in-list.yaml  | 12 | policy.rules[0].arguments.path.prefix[1] | must be an absolute path
            empty-prefix-list.yaml        |  9 | policy.rules[0].arguments.path.prefix    | an empty list matches nothing
            condition-without-check.yaml  |  9 | policy.rules[0].arguments.path           | give prefix or pattern
            unknown-condition-key.yaml    |  9 | policy.rules[0].arguments.path.prefx     | unknown key (allowed: pattern, prefix)
            empty-arguments.yaml          |  8 | policy.rules[0].arguments                | an empty mapping sets no condition: leave the key out
            duplicate-rule-name.yaml      | 10 | policy.rules[1].name                     | rule name 'read' is used twice
            approval-on-deny.yaml         |  9 | policy.rules[0].approval                 | applies only to rules with effect: allow
            approval-zero-approvers.yaml  | 11 | policy.rules[0].approval.approvers       | 0 approvers needs ask_user: true
            approval-three-approvers.yaml | 10 | policy.rules[0].approval.approvers       | must be between 0 and 2
            approval-unknown-key.yaml     | 11 | policy.rules[0].approval.role            | unknown key (allowed: approvers, ask_user, roles)
            bad-rule-name.yaml            |  7 | policy.rules[0].name                     | rule names may use letters, digits, _ . - (1 to 64 characters)
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = BROKEN_CASES)
    void brokenPolicyIsRejectedNamingFileLineAndKey(String fixture, int line, String key, String reason) {
        Path file = BROKEN.resolve(fixture);

        assertThatThrownBy(() -> load(file))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith(file + ":" + line + ": " + key + ": ")
                        .contains(reason).doesNotContain("\n"));
    }

    @Test
    void everyBrokenFixtureHasACase() throws IOException {
        List<String> cases = BROKEN_CASES.lines().map(l -> l.split("\\|")[0].strip()).toList();
        try (Stream<Path> files = Files.list(BROKEN)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(cases);
        }
    }

    @Test
    void everyKeyIsRead() {
        Policy p = load(GOOD.resolve("every-key.yaml")).policy();

        assertThat(p.defaultEffect()).isEqualTo(Effect.ALLOW);
        assertThat(p.rules()).extracting(Rule::name).containsExactly("ops-writes", "no-etc", "rule-3");
        Rule ops = p.rules().getFirst();
        assertThat(ops.principals()).containsExactlyInAnyOrder("bob", "carol");
        assertThat(ops.roles()).containsExactly("ops");
        assertThat(ops.servers()).containsExactlyInAnyOrder("everything", "files");
        assertThat(ops.tools()).map(Object::toString).containsExactly("everything__get-*", "fs__write_?ile");
        assertThat(ops.prompts()).map(Object::toString).containsExactly("everything__simple*");
        assertThat(ops.resources()).map(Object::toString).containsExactly("test://static/resource/*");
        assertThat(ops.arguments()).extracting(ArgumentCondition::argument).containsExactly("path", "mode", "title");
        assertThat(ops.arguments().get(0).prefixes()).containsExactly("/srv/data", "/tmp/");
        assertThat(ops.arguments().get(0).pattern()).isEmpty();
        assertThat(ops.arguments().get(1).prefixes()).isEmpty();
        assertThat(ops.arguments().get(1).pattern()).map(Object::toString).contains("r[ow]");
        assertThat(ops.arguments().get(2).prefixes()).containsExactly("/srv");
        assertThat(ops.arguments().get(2).pattern()).map(Object::toString).contains(".*\\.txt");
        assertThat(ops.effect()).isEqualTo(Effect.ALLOW);
        assertThat(ops.risk()).isEqualTo(Risk.HIGH);
        Rule noEtc = p.rules().get(1);
        assertThat(noEtc.effect()).isEqualTo(Effect.DENY);
        assertThat(noEtc.risk()).isEqualTo(Risk.LOW);
        assertThat(noEtc.principals()).isEmpty();
        assertThat(noEtc.tools()).isEmpty();
        assertThat(p.rules().get(2).risk()).isEqualTo(Risk.MEDIUM);
    }

    @Test
    void theReadPolicyDecidesAsWritten() {
        Policy p = load(GOOD.resolve("every-key.yaml")).policy();
        Principal bob = new Principal("bob", Set.of("ops"), "k");
        String args = "{\"path\":\"/tmp/x\",\"mode\":\"ro\",\"title\":\"/srv/a.txt\"}";

        assertThat(p.decide(query(bob, "files", "fs__write_file", args)))
                .isEqualTo(new PolicyDecision(Effect.ALLOW, "ops-writes", Risk.HIGH, "policy_allowed"));
        assertThat(p.decide(query(bob, "files", "fs__write_file", "{\"path\":\"/etc/hosts\"}")))
                .isEqualTo(new PolicyDecision(Effect.DENY, "no-etc", Risk.LOW, "policy_denied"));
        assertThat(p.decide(query(bob, "files", "fs__read_file", "{}")))
                .isEqualTo(new PolicyDecision(Effect.ALLOW, "rule-3", Risk.MEDIUM, "policy_allowed"));
    }

    @Test
    void anEmptyPolicySectionAndNoPolicySectionBothDenyEverything() {
        for (String f : List.of("empty.yaml", "absent.yaml")) {
            Policy p = load(GOOD.resolve(f)).policy();

            assertThat(p.defaultEffect()).as(f).isEqualTo(Effect.DENY);
            assertThat(p.rules()).as(f).isEmpty();
            assertThat(p.decide(query(new Principal("admin", Set.of("admin"), "k"), "s", "s__t", "{}")).reasonCode())
                    .isEqualTo("policy_default_deny");
        }
    }

    @Test
    void aTypoInsideThePolicySectionStopsCheckConfigAsItStopsStartUp() {
        // check-config and start-up share ConfigLoader: the same file fails the same way.
        Path file = BROKEN.resolve("unknown-rule-key.yaml");

        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":8: policy.rules[0].tool: unknown key");
    }

    static PolicyQuery query(Principal p, String server, String tool, String args) {
        try {
            return new PolicyQuery(p, CallKind.TOOL, server, tool, Json.parse(args));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static GatewayConfig load(Path file) {
        return new ConfigLoader(Map.<String, String>of()::get).read(file);
    }
}
