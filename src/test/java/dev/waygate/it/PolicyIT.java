package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The policy through a real gateway, real upstreams (server-everything, server-memory) and the
 * official TypeScript client: each principal's lists show exactly what it may use, denied calls get
 * -32034 naming the rule, argument conditions hold against traversal, and without a policy section
 * nothing is listed or callable.
 */
class PolicyIT {
    static final String SERVERS = """
            servers:
              everything: { command: node, args: ["%s", stdio] }
              memory: { command: node, args: ["%s"], env: { MEMORY_FILE_PATH: "%s" } }
            """.formatted(GatewayFixture.everything(), GatewayFixture.memory(),
            System.getProperty("java.io.tmpdir") + "/waygate-policy-it-memory-" + ProcessHandle.current().pid() + ".jsonl");

    static final String POLICY = """
            policy:
              rules:
                - name: no-env
                  tools: [everything__get-env]
                  effect: deny
                - name: no-etc-echo
                  tools: [everything__echo]
                  arguments:
                    message: { prefix: /etc }
                  effect: deny
                - name: dev-gets
                  roles: [dev]
                  tools: ["everything__get-*"]
                  effect: allow
                - name: dev-echo-data
                  roles: [dev]
                  tools: [everything__echo]
                  arguments:
                    message: { prefix: /srv/data }
                  effect: allow
                - name: dev-memory-reads
                  roles: [dev]
                  servers: [memory]
                  tools: [memory__read_graph, memory__search_nodes, memory__open_nodes]
                  effect: allow
                - name: dev-simple-prompt
                  roles: [dev]
                  prompts: [everything__simple-prompt]
                  effect: allow
                - name: dev-docs
                  roles: [dev]
                  resources: ["demo://resource/static/document/*", "demo://resource/dynamic/text/*"]
                  effect: allow
                - name: ops-memory
                  principals: [ops-bot]
                  servers: [memory]
                  effect: allow
                  risk: medium
                - name: ops-args-prompt
                  principals: [ops-bot]
                  prompts: [everything__args-prompt]
                  effect: allow
            """;

    static final List<String> DOCS = List.of("architecture.md", "extension.md", "features.md", "how-it-works.md", "instructions.md",
            "startup.md", "structure.md").stream().map(d -> "demo://resource/static/document/" + d).toList();

    static GatewayFixture gw;
    static String opsKey;
    static String strangerKey;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start(SERVERS + POLICY);
        gw.awaitReady(Duration.ofSeconds(60));
        opsKey = gw.createKey("ops-bot", "ops");
        strangerKey = gw.createKey("stranger", "guest");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    static final String LISTS = """
            {"op":"listTools"},{"op":"listPrompts"},{"op":"listResources"},{"op":"listResourceTemplates"}""";

    @Test
    void aDeveloperSeesAndUsesExactlyWhatTheRulesAllow() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), "[" + LISTS + """
                ,{"op":"callTool","name":"everything__get-sum","arguments":{"a":1,"b":2}}
                ,{"op":"callTool","name":"memory__read_graph","arguments":{}}
                ,{"op":"getPrompt","name":"everything__simple-prompt"}
                ,{"op":"readResource","uri":"demo://resource/static/document/architecture.md"}
                ,{"op":"readResource","uri":"demo://resource/dynamic/text/1"}
                ,{"op":"callTool","name":"everything__get-env","arguments":{}}
                ,{"op":"callTool","name":"memory__create_entities","arguments":{"entities":[]}}
                ,{"op":"getPrompt","name":"everything__args-prompt","arguments":{"city":"Paris"}}
                ,{"op":"readResource","uri":"demo://resource/dynamic/blob/1"}
                ,{"op":"readResource","uri":"demo://resource/dynamic/text/.."}
                ,{"op":"readResource","uri":"demo://resource/dynamic/text/%2e%2e"}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();

        Predicate<String> devMay = n -> n.equals("everything__echo")
                || n.startsWith("everything__get-") && !n.equals("everything__get-env")
                || Set.of("memory__read_graph", "memory__search_nodes", "memory__open_nodes").contains(n);
        assertThat(names(NodeClient.result(out, 0), "tools", "name")).isEqualTo(allTools(devMay))
                .contains("everything__echo", "everything__get-sum", "memory__read_graph", "memory__search_nodes", "memory__open_nodes")
                .doesNotContain("everything__get-env", "memory__create_entities");
        assertThat(names(NodeClient.result(out, 1), "prompts", "name")).containsExactly("everything__simple-prompt");
        assertThat(names(NodeClient.result(out, 2), "resources", "uri")).containsExactlyInAnyOrderElementsOf(DOCS);
        assertThat(names(NodeClient.result(out, 3), "resourceTemplates", "uriTemplate"))
                .containsExactly("demo://resource/dynamic/text/{resourceId}");

        assertThat(NodeClient.result(out, 4).toString()).contains("3");
        assertThat(NodeClient.result(out, 5).path("isError").asBoolean(false)).isFalse();
        assertThat(NodeClient.result(out, 6).path("messages").size()).isPositive();
        assertThat(NodeClient.result(out, 7).path("contents").get(0).path("uri").asText())
                .isEqualTo("demo://resource/static/document/architecture.md");
        assertThat(NodeClient.result(out, 8).path("contents").get(0).path("uri").asText()).isEqualTo("demo://resource/dynamic/text/1");

        denied(out, 9, "policy_denied", "no-env", "denied by policy rule 'no-env'");
        denied(out, 10, "policy_default_deny", "default", "no rule allows memory__create_entities");
        denied(out, 11, "policy_default_deny", "default", "no rule allows everything__args-prompt");
        denied(out, 12, "policy_default_deny", "default", "no rule allows demo://resource/dynamic/blob/1");
        // the upstream's template routes these; the allowing glob's * must not cover a dot segment
        denied(out, 13, "policy_default_deny", "default", "no rule allows demo://resource/dynamic/text/..");
        denied(out, 14, "policy_default_deny", "default", "no rule allows demo://resource/dynamic/text/%2e%2e");
    }

    @Test
    void anArgumentConditionAllowsPathsUnderThePrefixAndNothingThatOnlyLooksLikeOne() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                [{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/data/report.txt"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/data"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/data/../../etc/passwd"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/data/%2e%2e/%2e%2e/etc/passwd"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/database/x"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"srv/data/x"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/data/x\\u0000.txt"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":["/srv/data/x"]}}
                ,{"op":"callTool","name":"everything__echo","arguments":{}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/etc/shadow"}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/../etc/shadow"}}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();

        assertThat(NodeClient.result(out, 0).path("content").get(0).path("text").asText()).isEqualTo("Echo: /srv/data/report.txt");
        assertThat(NodeClient.result(out, 1).path("content").get(0).path("text").asText()).isEqualTo("Echo: /srv/data");
        // A value that is not a clean absolute path is one the deny rule on /etc cannot judge: it decides (fail closed).
        for (int i : new int[] {2, 3, 5, 6, 7, 9, 10}) {
            denied(out, i, "policy_denied", "no-etc-echo", "denied by policy rule 'no-etc-echo'");
        }
        // A clean path outside the prefix, or no value at all: no rule allows it.
        for (int i : new int[] {4, 8}) {
            denied(out, i, "policy_default_deny", "default", "no rule allows everything__echo");
        }
    }

    @Test
    void anotherPrincipalSeesAndUsesOnlyItsOwnShare() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), opsKey, "[" + LISTS + """
                ,{"op":"callTool","name":"memory__read_graph","arguments":{}}
                ,{"op":"getPrompt","name":"everything__args-prompt","arguments":{"city":"Paris"}}
                ,{"op":"callTool","name":"everything__get-sum","arguments":{"a":1,"b":2}}
                ,{"op":"callTool","name":"everything__echo","arguments":{"message":"/srv/data/x"}}
                ,{"op":"getPrompt","name":"everything__simple-prompt"}
                ,{"op":"readResource","uri":"demo://resource/static/document/architecture.md"}
                ,{"op":"readResource","uri":"memory://knowledge-graph"}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();

        assertThat(names(NodeClient.result(out, 0), "tools", "name")).isEqualTo(allTools(n -> n.startsWith("memory__")))
                .contains("memory__create_entities", "memory__read_graph", "memory__delete_entities");
        assertThat(names(NodeClient.result(out, 1), "prompts", "name")).containsExactly("everything__args-prompt");
        // a rule naming a server and no kind of target covers its resources too
        assertThat(names(NodeClient.result(out, 2), "resources", "uri")).containsExactly("memory://knowledge-graph");
        assertThat(names(NodeClient.result(out, 3), "resourceTemplates", "uriTemplate")).isEmpty();

        assertThat(NodeClient.result(out, 10).path("contents").get(0).path("uri").asText()).isEqualTo("memory://knowledge-graph");
        assertThat(NodeClient.result(out, 4).path("isError").asBoolean(false)).isFalse();
        assertThat(NodeClient.result(out, 5).toString()).contains("Paris");
        denied(out, 6, "policy_default_deny", "default", "no rule allows everything__get-sum");
        denied(out, 7, "policy_default_deny", "default", "no rule allows everything__echo");
        denied(out, 8, "policy_default_deny", "default", "no rule allows everything__simple-prompt");
        denied(out, 9, "policy_default_deny", "default", "no rule allows demo://resource/static/document/architecture.md");
    }

    @Test
    void aPrincipalNoRuleNamesSeesNothingAndCallsNothing() throws Exception {
        JsonNode out = NodeClient.http(gw.mcpUrl(), strangerKey, "[" + LISTS + """
                ,{"op":"callTool","name":"memory__read_graph","arguments":{}}]""");
        assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();

        assertThat(NodeClient.result(out, 0).path("tools")).isEmpty();
        assertThat(NodeClient.result(out, 1).path("prompts")).isEmpty();
        assertThat(NodeClient.result(out, 2).path("resources")).isEmpty();
        assertThat(NodeClient.result(out, 3).path("resourceTemplates")).isEmpty();
        denied(out, 4, "policy_default_deny", "default", "no rule allows memory__read_graph");
    }

    @Test
    void withoutAPolicySectionNothingIsListedAndEveryCallIsDenied() throws Exception {
        try (GatewayFixture bare = GatewayFixture.startWithoutPolicy(SERVERS)) {
            bare.awaitReady(Duration.ofSeconds(60));
            String admin = bare.createKey("admin", "admin", "dev", "ops");
            JsonNode out = NodeClient.http(bare.mcpUrl(), admin, "[" + LISTS + """
                    ,{"op":"callTool","name":"everything__echo","arguments":{"message":"hi"}}
                    ,{"op":"callTool","name":"memory__read_graph","arguments":{}}
                    ,{"op":"getPrompt","name":"everything__simple-prompt"}
                    ,{"op":"readResource","uri":"demo://resource/static/document/architecture.md"}]""");
            assertThat(out.path("connected").asBoolean()).as("connected: %s", out).isTrue();

            assertThat(bare.gateway().router().toolCount()).as("the upstreams do offer tools").isPositive();
            assertThat(NodeClient.result(out, 0).path("tools")).isEmpty();
            assertThat(NodeClient.result(out, 1).path("prompts")).isEmpty();
            assertThat(NodeClient.result(out, 2).path("resources")).isEmpty();
            assertThat(NodeClient.result(out, 3).path("resourceTemplates")).isEmpty();
            denied(out, 4, "policy_default_deny", "default", "no rule allows everything__echo");
            denied(out, 5, "policy_default_deny", "default", "no rule allows memory__read_graph");
            denied(out, 6, "policy_default_deny", "default", "no rule allows everything__simple-prompt");
            denied(out, 7, "policy_default_deny", "default", "no rule allows demo://resource/static/document/architecture.md");
        }
    }

    /** The op failed with the gateway's policy denial: -32034, the rule in the message and in data. */
    static void denied(JsonNode out, int index, String reason, String rule, String message) {
        JsonNode r = out.path("results").get(index);
        assertThat(r.path("ok").asBoolean()).as("op %d should be denied: %s", index, r).isFalse();
        JsonNode error = r.path("error");
        assertThat(error.path("code").asInt()).as("op %d: %s", index, r).isEqualTo(-32034);
        assertThat(error.path("message").asText()).as("op %d", index).contains(message);
        assertThat(error.path("data").path("reason").asText()).as("op %d: %s", index, r).isEqualTo(reason);
        assertThat(error.path("data").path("rule").asText()).as("op %d: %s", index, r).isEqualTo(rule);
    }

    static List<String> names(JsonNode result, String list, String field) {
        List<String> out = new ArrayList<>();
        result.path(list).forEach(t -> out.add(t.path(field).asText()));
        return out;
    }

    /** Every tool the gateway aggregates (unfiltered), in list order, that the predicate accepts. */
    static List<String> allTools(Predicate<String> keep) {
        List<String> out = new ArrayList<>();
        gw.gateway().router().toolSummary().forEach(t -> out.add(t.path("name").asText()));
        return out.stream().filter(keep).toList();
    }
}
