package dev.waygate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.CallKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Policy#decide} and {@link Policy#visible}, table-driven: a case per rule kind, order and
 * defaults, then hostile argument values against prefix and pattern conditions.
 */
class PolicyTest {
    static final java.util.regex.Pattern TOOL_CHARS = java.util.regex.Pattern.compile("[A-Za-z0-9_.\\-]");
    static final java.util.regex.Pattern VISIBLE = java.util.regex.Pattern.compile("\\S");

    static final Principal ALICE = new Principal("alice", Set.of("dev"), "k1");
    static final Principal BOB = new Principal("bob", Set.of("ops"), "k2");
    static final Principal CAROL = new Principal("carol", Set.of("dev", "admin"), "k3");

    /** The expected decision, written {@code effect rule risk reason}. */
    record Expect(Effect effect, String rule, Risk risk, String reason) {
        static Expect allow(String rule, Risk risk) {
            return new Expect(Effect.ALLOW, rule, risk, "policy_allowed");
        }

        static Expect allow(String rule) {
            return allow(rule, Risk.LOW);
        }

        static Expect deny(String rule) {
            return new Expect(Effect.DENY, rule, Risk.LOW, "policy_denied");
        }

        static final Expect DEFAULT_DENY = new Expect(Effect.DENY, "default", Risk.LOW, "policy_default_deny");
        static final Expect DEFAULT_ALLOW = new Expect(Effect.ALLOW, "default", Risk.LOW, "policy_allowed");
    }

    // ---- building rules and queries ----

    static final class R {
        private final String name;
        private final Effect effect;
        private Set<String> principals = Set.of();
        private Set<String> roles = Set.of();
        private Set<String> servers = Set.of();
        private List<Glob> tools = List.of();
        private List<Glob> prompts = List.of();
        private List<Glob> resources = List.of();
        private final List<ArgumentCondition> arguments = new ArrayList<>();
        private Risk risk = Risk.LOW;

        private R(String name, Effect effect) {
            this.name = name;
            this.effect = effect;
        }

        R principals(String... p) {
            principals = Set.of(p);
            return this;
        }

        R roles(String... r) {
            roles = Set.of(r);
            return this;
        }

        R servers(String... s) {
            servers = Set.of(s);
            return this;
        }

        R tools(String... g) {
            tools = Stream.of(g).map(t -> Glob.of(t, TOOL_CHARS)).toList();
            return this;
        }

        R prompts(String... g) {
            prompts = Stream.of(g).map(t -> Glob.of(t, VISIBLE)).toList();
            return this;
        }

        R resources(String... g) {
            resources = Stream.of(g).map(t -> Glob.of(t, VISIBLE)).toList();
            return this;
        }

        R prefix(String argument, String... prefixes) {
            arguments.add(new ArgumentCondition(argument, List.of(prefixes), Optional.empty()));
            return this;
        }

        R pattern(String argument, String re) {
            arguments.add(new ArgumentCondition(argument, List.of(), Optional.of(com.google.re2j.Pattern.compile(re))));
            return this;
        }

        R risk(Risk r) {
            risk = r;
            return this;
        }

        Rule build() {
            return new Rule(name, principals, roles, servers, tools, prompts, resources, arguments, effect, risk);
        }
    }

    static R allow(String name) {
        return new R(name, Effect.ALLOW);
    }

    static R deny(String name) {
        return new R(name, Effect.DENY);
    }

    static Policy policy(R... rules) {
        return new Policy(Effect.DENY, Stream.of(rules).map(R::build).toList());
    }

    static Policy allowByDefault(R... rules) {
        return new Policy(Effect.ALLOW, Stream.of(rules).map(R::build).toList());
    }

    static PolicyQuery tool(Principal p, String server, String name) {
        return tool(p, server, name, "{}");
    }

    static PolicyQuery tool(Principal p, String server, String name, String args) {
        return new PolicyQuery(p, CallKind.TOOL, server, name, json(args));
    }

    static PolicyQuery prompt(Principal p, String server, String name) {
        return new PolicyQuery(p, CallKind.PROMPT, server, name, Json.object());
    }

    static PolicyQuery resource(Principal p, String server, String uri) {
        return new PolicyQuery(p, CallKind.RESOURCE, server, uri, Json.object());
    }

    static JsonNode json(String text) {
        try {
            return Json.parse(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static void check(Policy policy, PolicyQuery q, Expect expect) {
        PolicyDecision d = policy.decide(q);
        assertThat(d).isEqualTo(new PolicyDecision(expect.effect(), expect.rule(), expect.risk(), expect.reason()));
        assertThat(d.allowed()).isEqualTo(expect.effect() == Effect.ALLOW);
    }

    // ---- one case per rule kind ----

    static Stream<Arguments> ruleKinds() {
        Policy byPrincipal = policy(allow("alice-only").principals("alice"));
        Policy byRole = policy(allow("devs").roles("dev", "qa"));
        Policy byServer = policy(allow("memory-only").servers("memory"));
        Policy byTool = policy(allow("get-tools").tools("everything__get-*", "memory__read_?raph"));
        Policy byPrompt = policy(allow("simple-prompts").prompts("everything__simple*"));
        Policy byResource = policy(allow("static").resources("test://static/resource/*"));
        Policy combined = policy(allow("ops-memory-writes").principals("bob").roles("ops").servers("memory")
                .tools("memory__create_*").risk(Risk.MEDIUM));
        return Stream.of(
                Arguments.of("principal listed", byPrincipal, tool(ALICE, "everything", "everything__echo"), Expect.allow("alice-only")),
                Arguments.of("principal not listed", byPrincipal, tool(BOB, "everything", "everything__echo"), Expect.DEFAULT_DENY),
                Arguments.of("principal name is exact", policy(allow("a").principals("ali")), tool(ALICE, "s", "t"), Expect.DEFAULT_DENY),
                Arguments.of("one of the roles", byRole, tool(CAROL, "everything", "everything__echo"), Expect.allow("devs")),
                Arguments.of("none of the roles", byRole, tool(BOB, "everything", "everything__echo"), Expect.DEFAULT_DENY),
                Arguments.of("no roles at all", byRole, tool(new Principal("eve", Set.of(), "k"), "s", "t"), Expect.DEFAULT_DENY),
                Arguments.of("server listed", byServer, tool(BOB, "memory", "memory__read_graph"), Expect.allow("memory-only")),
                Arguments.of("server not listed", byServer, tool(BOB, "everything", "memory__read_graph"), Expect.DEFAULT_DENY),
                Arguments.of("tool glob *", byTool, tool(ALICE, "everything", "everything__get-sum"), Expect.allow("get-tools")),
                Arguments.of("tool glob ?", byTool, tool(ALICE, "memory", "memory__read_graph"), Expect.allow("get-tools")),
                Arguments.of("tool glob no match", byTool, tool(ALICE, "everything", "everything__echo"), Expect.DEFAULT_DENY),
                Arguments.of("tool glob is whole-name", byTool, tool(ALICE, "x", "x__everything__get-sum"), Expect.DEFAULT_DENY),
                Arguments.of("tool glob does not cover prompts", byTool, prompt(ALICE, "everything", "everything__get-sum"),
                        Expect.DEFAULT_DENY),
                Arguments.of("prompt glob", byPrompt, prompt(ALICE, "everything", "everything__simple_prompt"),
                        Expect.allow("simple-prompts")),
                Arguments.of("prompt glob no match", byPrompt, prompt(ALICE, "everything", "everything__complex_prompt"),
                        Expect.DEFAULT_DENY),
                Arguments.of("prompt glob does not cover tools", byPrompt, tool(ALICE, "everything", "everything__simple_prompt"),
                        Expect.DEFAULT_DENY),
                Arguments.of("resource glob", byResource, resource(ALICE, "everything", "test://static/resource/1"),
                        Expect.allow("static")),
                Arguments.of("resource glob no match", byResource, resource(ALICE, "everything", "test://dynamic/resource/1"),
                        Expect.DEFAULT_DENY),
                Arguments.of("a rule naming no kind covers tools", policy(allow("all")), tool(BOB, "s", "t"), Expect.allow("all")),
                Arguments.of("... prompts", policy(allow("all")), prompt(BOB, "s", "p"), Expect.allow("all")),
                Arguments.of("... and resources", policy(allow("all")), resource(BOB, "s", "file:///x"), Expect.allow("all")),
                Arguments.of("combined: all criteria hold", combined, tool(BOB, "memory", "memory__create_entities"),
                        Expect.allow("ops-memory-writes", Risk.MEDIUM)),
                Arguments.of("combined: wrong principal", combined, tool(ALICE, "memory", "memory__create_entities"),
                        Expect.DEFAULT_DENY),
                Arguments.of("combined: wrong server", combined, tool(BOB, "everything", "memory__create_entities"),
                        Expect.DEFAULT_DENY),
                Arguments.of("combined: wrong tool", combined, tool(BOB, "memory", "memory__delete_entities"), Expect.DEFAULT_DENY),
                Arguments.of("combined: role missing", combined, tool(new Principal("bob", Set.of("dev"), "k"), "memory",
                        "memory__create_entities"), Expect.DEFAULT_DENY),
                Arguments.of("argument prefix", policy(allow("data").prefix("path", "/srv/data")),
                        tool(ALICE, "files", "files__read_file", "{\"path\":\"/srv/data/a.txt\"}"), Expect.allow("data")),
                Arguments.of("argument pattern", policy(allow("issues").pattern("title", "issue-[0-9]+")),
                        tool(ALICE, "gh", "gh__create", "{\"title\":\"issue-42\"}"), Expect.allow("issues")),
                Arguments.of("prefix and pattern both", policy(allow("txt").prefix("path", "/srv/data").pattern("path", ".*\\.txt")),
                        tool(ALICE, "files", "files__read_file", "{\"path\":\"/srv/data/a.md\"}"), Expect.DEFAULT_DENY),
                Arguments.of("all conditions must hold", policy(allow("two").prefix("path", "/srv").pattern("mode", "ro")),
                        tool(ALICE, "files", "f", "{\"path\":\"/srv/x\",\"mode\":\"rw\"}"), Expect.DEFAULT_DENY),
                Arguments.of("one of several prefixes", policy(allow("two-dirs").prefix("path", "/srv/data", "/tmp")),
                        tool(ALICE, "files", "f", "{\"path\":\"/tmp/x\"}"), Expect.allow("two-dirs")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ruleKinds")
    void eachRuleKindMatchesWhatItNames(String name, Policy policy, PolicyQuery q, Expect expect) {
        check(policy, q, expect);
    }

    // ---- order, defaults and what a decision carries ----

    @Test
    void firstMatchWins() {
        PolicyQuery echo = tool(ALICE, "everything", "everything__echo");

        check(policy(deny("no-echo").tools("*__echo"), allow("everything").servers("everything")), echo, Expect.deny("no-echo"));
        check(policy(allow("everything").servers("everything"), deny("no-echo").tools("*__echo")), echo, Expect.allow("everything"));
        check(policy(allow("first").risk(Risk.HIGH), allow("second").risk(Risk.LOW)), echo, Expect.allow("first", Risk.HIGH));
    }

    @Test
    void aRuleThatDoesNotMatchIsPassedOver() {
        check(policy(deny("bob-out").principals("bob"), allow("rest")), tool(ALICE, "s", "t"), Expect.allow("rest"));
    }

    @Test
    void defaultDenyAndDefaultAllow() {
        check(Policy.DENY_ALL, tool(ALICE, "s", "t"), Expect.DEFAULT_DENY);
        check(Policy.DENY_ALL, prompt(ALICE, "s", "p"), Expect.DEFAULT_DENY);
        check(Policy.DENY_ALL, resource(ALICE, "s", "file:///x"), Expect.DEFAULT_DENY);
        check(policy(allow("other").principals("bob")), tool(ALICE, "s", "t"), Expect.DEFAULT_DENY);
        check(allowByDefault(), tool(ALICE, "s", "t"), Expect.DEFAULT_ALLOW);
        check(allowByDefault(deny("no-bob").principals("bob")), tool(BOB, "s", "t"), Expect.deny("no-bob"));
        check(allowByDefault(deny("no-bob").principals("bob")), tool(ALICE, "s", "t"), Expect.DEFAULT_ALLOW);
    }

    @Test
    void theAllowingRuleNamesTheRiskAndDenialsCarryLow() {
        for (Risk r : Risk.values()) {
            check(policy(allow("r").risk(r)), tool(ALICE, "s", "t"), Expect.allow("r", r));
        }
        PolicyDecision d = policy(deny("stop")).decide(tool(ALICE, "s", "t"));
        assertThat(d.rule()).isEqualTo("stop");
        assertThat(d.risk()).isEqualTo(Risk.LOW);
        assertThat(d.reasonCode()).isEqualTo("policy_denied");
    }

    // ---- hostile values against an allowing prefix condition ----

    static final Policy DATA_ONLY = policy(allow("data").tools("files__*").prefix("path", "/srv/data"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("pathValues")
    void anAllowingPrefixIsSatisfiedOnlyByACleanAbsolutePathUnderIt(String args, boolean allowed) {
        check(DATA_ONLY, tool(ALICE, "files", "files__read_file", args), allowed ? Expect.allow("data") : Expect.DEFAULT_DENY);
    }

    static Stream<Arguments> pathValues() {
        return Stream.of(
                Arguments.of("{\"path\":\"/srv/data/report.txt\"}", true),
                Arguments.of("{\"path\":\"/srv/data/deep/er/report.txt\"}", true),
                Arguments.of("{\"path\":\"/srv/data\"}", true),
                Arguments.of("{\"path\":\"/srv/data/\"}", true),
                Arguments.of("{\"path\":\"/srv/data/na\u00efve.txt\"}", true),
                Arguments.of("{\"path\":\"/srv/data/..hidden\"}", true),
                Arguments.of("{\"path\":\"/srv/data/...\"}", true),
                Arguments.of("{\"path\":\"/srv/data/100%.txt\"}", true),
                // traversal, resolved or not: lexical resolution is wrong across a symlink, so any .. is refused
                Arguments.of("{\"path\":\"/srv/data/../../etc/passwd\"}", false),
                Arguments.of("{\"path\":\"/srv/data/../data/x\"}", false),
                Arguments.of("{\"path\":\"/srv/data/sub/../x\"}", false),
                Arguments.of("{\"path\":\"/srv/data/./x\"}", false),
                Arguments.of("{\"path\":\"/srv/data/..\"}", false),
                // a sibling that shares the prefix's characters but not its segments
                Arguments.of("{\"path\":\"/srv/database\"}", false),
                Arguments.of("{\"path\":\"/srv/database/x\"}", false),
                Arguments.of("{\"path\":\"/srv/data-old/x\"}", false),
                Arguments.of("{\"path\":\"/srv\"}", false),
                Arguments.of("{\"path\":\"/SRV/DATA/x\"}", false),
                // relative paths resolve against a directory the gateway does not know
                Arguments.of("{\"path\":\"srv/data/x\"}", false),
                Arguments.of("{\"path\":\"./srv/data/x\"}", false),
                Arguments.of("{\"path\":\"../srv/data/x\"}", false),
                Arguments.of("{\"path\":\"\"}", false),
                Arguments.of("{\"path\":\"~/srv/data/x\"}", false),
                // an upstream that URL-decodes would see other segments
                Arguments.of("{\"path\":\"/srv/data/%2e%2e/%2e%2e/etc/passwd\"}", false),
                Arguments.of("{\"path\":\"/srv/data/%2E%2E/secret\"}", false),
                Arguments.of("{\"path\":\"/srv/data%2f..%2f..%2fetc\"}", false),
                Arguments.of("{\"path\":\"/srv/data/%252e%252e/x\"}", false),
                // separators and terminators other upstreams honour
                Arguments.of("{\"path\":\"/srv/data\\\\..\\\\..\\\\etc\\\\passwd\"}", false),
                Arguments.of("{\"path\":\"/srv/data/x\\u0000/../../etc/passwd\"}", false),
                Arguments.of("{\"path\":\"/srv/data/x.txt\\u0000.png\"}", false),
                Arguments.of("{\"path\":\"/srv/data/x\\n\"}", false),
                Arguments.of("{\"path\":\"//srv/data/x\"}", false),
                Arguments.of("{\"path\":\"/srv/data//x\"}", false),
                Arguments.of("{\"path\":\"/srv//data/x\"}", false),
                // not a string, or not there
                Arguments.of("{\"path\":42}", false),
                Arguments.of("{\"path\":true}", false),
                Arguments.of("{\"path\":null}", false),
                Arguments.of("{\"path\":[\"/srv/data/x\"]}", false),
                Arguments.of("{\"path\":{\"value\":\"/srv/data/x\"}}", false),
                Arguments.of("{}", false),
                Arguments.of("{\"Path\":\"/srv/data/x\"}", false),
                Arguments.of("{\"file\":\"/srv/data/x\"}", false));
    }

    @Test
    void aRootPrefixCoversEveryCleanAbsolutePathOnly() {
        Policy root = policy(allow("anywhere").prefix("path", "/"));

        check(root, tool(ALICE, "f", "t", "{\"path\":\"/etc/passwd\"}"), Expect.allow("anywhere"));
        check(root, tool(ALICE, "f", "t", "{\"path\":\"/\"}"), Expect.allow("anywhere"));
        check(root, tool(ALICE, "f", "t", "{\"path\":\"etc/passwd\"}"), Expect.DEFAULT_DENY);
        check(root, tool(ALICE, "f", "t", "{\"path\":\"/a/../b\"}"), Expect.DEFAULT_DENY);
    }

    // ---- hostile values against a denying prefix condition: it cannot be dodged ----

    static final Policy NO_ETC = policy(deny("no-etc").prefix("path", "/etc"), allow("files").tools("files__*"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("denyPathValues")
    void aDenyingPrefixHoldsForEveryValueItCannotJudge(String args, boolean denied) {
        check(NO_ETC, tool(ALICE, "files", "files__read_file", args), denied ? Expect.deny("no-etc") : Expect.allow("files"));
    }

    static Stream<Arguments> denyPathValues() {
        return Stream.of(
                Arguments.of("{\"path\":\"/etc/passwd\"}", true),
                Arguments.of("{\"path\":\"/etc\"}", true),
                Arguments.of("{\"path\":\"/srv/../etc/passwd\"}", true),
                Arguments.of("{\"path\":\"/srv/%2e%2e/etc/passwd\"}", true),
                Arguments.of("{\"path\":\"//etc/passwd\"}", true),
                Arguments.of("{\"path\":\"/srv\\\\..\\\\etc\\\\passwd\"}", true),
                Arguments.of("{\"path\":\"etc/passwd\"}", true),
                Arguments.of("{\"path\":\"/etc/passwd\\u0000\"}", true),
                Arguments.of("{\"path\":[\"/etc/passwd\"]}", true),
                Arguments.of("{\"path\":{\"p\":\"/etc/passwd\"}}", true),
                Arguments.of("{\"path\":7}", true),
                Arguments.of("{\"path\":\"/srv/data/x\"}", false),
                Arguments.of("{\"path\":\"/etcetera/x\"}", false),
                Arguments.of("{\"path\":null}", false),
                Arguments.of("{}", false));
    }

    // ---- traversal in resource URIs: a glob's * would cover it ----

    static final Policy DATA_FILES = policy(deny("no-etc").resources("file:///etc/*"), allow("data").resources("file:///srv/data/*"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("uris")
    void resourceGlobsNeitherAllowNorMissTraversal(String uri, String rule) {
        Expect expect = switch (rule) {
            case "data" -> Expect.allow("data");
            case "no-etc" -> Expect.deny("no-etc");
            default -> Expect.DEFAULT_DENY;
        };
        check(DATA_FILES, resource(ALICE, "files", uri), expect);
    }

    static Stream<Arguments> uris() {
        return Stream.of(
                Arguments.of("file:///srv/data/report.txt", "data"),
                Arguments.of("file:///srv/data/a/b?x=../..", "data"),
                Arguments.of("file:///srv/data/..hidden", "data"),
                Arguments.of("file:///srv/data/../../etc/passwd", "no-etc"),
                Arguments.of("file:///srv/data/%2e%2e/%2E%2E/etc/passwd", "no-etc"),
                Arguments.of("file:///srv/data/..%2f..%2fetc/passwd", "no-etc"),
                Arguments.of("file:///srv/data\\..\\..\\etc\\passwd", "no-etc"),
                Arguments.of("file:///srv/data/./report.txt", "default"),
                Arguments.of("file:///srv/data/sub/../report.txt", "default"),
                Arguments.of("file:///srv/data/../secrets/key", "default"),
                Arguments.of("file:///etc/passwd", "no-etc"),
                Arguments.of("file:///tmp/x", "default"));
    }

    @Test
    void uriNormalisation() {
        assertThat(ResourceUris.normalise("file:///a/b/../c")).isEqualTo("file:///a/c");
        assertThat(ResourceUris.normalise("file:///a/b/..")).isEqualTo("file:///a/");
        assertThat(ResourceUris.normalise("file:///a/./b/")).isEqualTo("file:///a/b/");
        assertThat(ResourceUris.normalise("file:///../../etc")).isEqualTo("file:///etc");
        assertThat(ResourceUris.normalise("demo://host/x/%2E%2e/y?q=/../#/..")).isEqualTo("demo://host/y?q=/../#/..");
        assertThat(ResourceUris.normalise("memory://knowledge-graph")).isEqualTo("memory://knowledge-graph");
        assertThat(ResourceUris.normalise("urn:isbn:0451450523")).isEqualTo("urn:isbn:0451450523");
        assertThat(ResourceUris.isClean("demo://resource/static/document/architecture.md")).isTrue();
        assertThat(ResourceUris.isClean("file:///srv//data/x")).isTrue();
        assertThat(ResourceUris.isClean("file:///srv/data/%2e%2e")).isFalse();
    }

    // ---- pattern conditions: whole-string, RE2 ----

    static final Policy ISSUES = policy(allow("issue-titles").pattern("title", "issue-[0-9]+"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("titles")
    void aPatternMatchesTheWholeValue(String args, boolean allowed) {
        check(ISSUES, tool(ALICE, "gh", "gh__create", args), allowed ? Expect.allow("issue-titles") : Expect.DEFAULT_DENY);
    }

    static Stream<Arguments> titles() {
        return Stream.of(
                Arguments.of("{\"title\":\"issue-1\"}", true),
                Arguments.of("{\"title\":\"issue-12345\"}", true),
                Arguments.of("{\"title\":\"issue-\"}", false),
                Arguments.of("{\"title\":\"issue-12x\"}", false),
                Arguments.of("{\"title\":\"xissue-12\"}", false),
                Arguments.of("{\"title\":\"issue-12\\n\"}", false),
                Arguments.of("{\"title\":\"issue-12\\nrm -rf /\"}", false),
                Arguments.of("{\"title\":\"ISSUE-12\"}", false),
                Arguments.of("{\"title\":12}", false),
                Arguments.of("{\"title\":[\"issue-12\"]}", false),
                Arguments.of("{}", false));
    }

    @Test
    void aDenyingPatternHoldsForAValueThatIsNotAString() {
        Policy p = policy(deny("no-drop").pattern("sql", "(?i).*drop\\s+table.*"), allow("sql"));

        check(p, tool(ALICE, "db", "db__query", "{\"sql\":\"select 1\"}"), Expect.allow("sql"));
        check(p, tool(ALICE, "db", "db__query", "{\"sql\":\"DROP  TABLE users\"}"), Expect.deny("no-drop"));
        check(p, tool(ALICE, "db", "db__query", "{\"sql\":[\"drop table users\"]}"), Expect.deny("no-drop"));
        check(p, tool(ALICE, "db", "db__query", "{}"), Expect.allow("sql"));
    }

    @Test
    void aPatternIsLinearTime() {
        Policy p = policy(allow("slow?").pattern("q", "(a+)+b"));
        String hostile = "{\"q\":\"" + "a".repeat(100_000) + "c\"}";
        long start = System.nanoTime();

        check(p, tool(ALICE, "s", "t", hostile), Expect.DEFAULT_DENY);
        assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
    }

    // ---- visible(): what lists show ----

    static Stream<Arguments> visibility() {
        PolicyQuery readFile = tool(ALICE, "files", "files__read_file");
        return Stream.of(
                Arguments.of("an allowing rule shows", policy(allow("a").tools("files__*")), readFile, true),
                Arguments.of("an allowing rule with conditions shows", policy(allow("a").prefix("path", "/srv")), readFile, true),
                Arguments.of("a denying rule with conditions is passed over (then default deny)",
                        policy(deny("d").prefix("path", "/etc")), readFile, false),
                Arguments.of("a denying rule with conditions is passed over (then allow)",
                        policy(deny("d").prefix("path", "/etc"), allow("a")), readFile, true),
                Arguments.of("a denying rule without conditions hides", policy(deny("d").tools("files__read_*"), allow("a")),
                        readFile, false),
                Arguments.of("a rule for someone else is passed over", policy(deny("d").principals("bob"), allow("a")),
                        readFile, true),
                Arguments.of("a rule for another tool is passed over", policy(allow("a").tools("files__write_*")), readFile, false),
                Arguments.of("a rule for another server is passed over", policy(allow("a").servers("memory")), readFile, false),
                Arguments.of("default deny hides", Policy.DENY_ALL, readFile, false),
                Arguments.of("default allow shows", allowByDefault(), readFile, true),
                Arguments.of("a prompt rule shows the prompt", policy(allow("p").prompts("files__*")),
                        prompt(ALICE, "files", "files__summarise"), true),
                Arguments.of("a prompt rule does not show the tool", policy(allow("p").prompts("files__*")), readFile, false),
                Arguments.of("a resource rule shows the resource", policy(allow("r").resources("file:///srv/*")),
                        resource(ALICE, "files", "file:///srv/x"), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("visibility")
    void visibleShowsWhatSomeCallCouldBeAllowed(String name, Policy policy, PolicyQuery q, boolean visible) {
        assertThat(policy.visible(q)).isEqualTo(visible);
    }

    @Test
    void aVisibleTargetIsNotNecessarilyCallable() {
        Policy p = policy(allow("data").tools("files__*").prefix("path", "/srv/data"));

        assertThat(p.visible(tool(ALICE, "files", "files__read_file"))).isTrue();
        check(p, tool(ALICE, "files", "files__read_file", "{\"path\":\"/etc/passwd\"}"), Expect.DEFAULT_DENY);
    }
}
