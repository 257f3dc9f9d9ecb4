package dev.waygate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.CallKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The index only narrows which rules are tried: over random policies and queries drawn from small
 * alphabets (so that criteria collide often), every decision and visibility answer is the one a
 * plain first-match walk over all rules gives.
 */
class PolicyIndexTest {
    static final String[] PRINCIPALS = {"alice", "bob", "carol", "dave"};
    static final String[] ROLES = {"dev", "ops", "admin", "ci"};
    static final String[] SERVERS = {"github", "db", "fs"};
    static final String[] NAMES = {"github__create_issue", "github__get_me", "db__query", "fs__read_file", "fs__write_file",
            "db__drop", "file:///srv/a.txt", "file:///srv/../etc/passwd", "mem://x"};
    static final String[] GLOBS = {"*", "github__*", "*__create_*", "db__query", "fs__*_file", "*write*", "file:///srv/*",
            "mem://?", "*__get_me"};

    @Test
    void decisionsMatchAPlainWalkOverEveryRule() {
        Random rnd = new Random(20261122);
        for (int round = 0; round < 300; round++) {
            List<Rule> rules = new ArrayList<>();
            int n = Policy.INDEX_FROM + rnd.nextInt(60);
            for (int i = 0; i < n; i++) {
                rules.add(rule(rnd, i));
            }
            Effect dflt = rnd.nextBoolean() ? Effect.ALLOW : Effect.DENY;
            Policy indexed = new Policy(dflt, rules);
            for (int q = 0; q < 200; q++) {
                PolicyQuery query = query(rnd);
                assertThat(indexed.decide(query)).as("round %d query %s", round, query).isEqualTo(walk(dflt, rules, query));
                assertThat(indexed.visible(query)).as("round %d query %s", round, query).isEqualTo(walkVisible(dflt, rules, query));
            }
        }
    }

    private static PolicyDecision walk(Effect dflt, List<Rule> rules, PolicyQuery q) {
        for (Rule r : rules) {
            if (r.matchesTarget(q) && r.argumentsHold(q.arguments())) {
                return r.effect() == Effect.ALLOW ? new PolicyDecision(Effect.ALLOW, r.name(), r.risk(), "policy_allowed")
                        : new PolicyDecision(Effect.DENY, r.name(), Risk.LOW, "policy_denied");
            }
        }
        return dflt == Effect.ALLOW ? new PolicyDecision(Effect.ALLOW, PolicyDecision.DEFAULT_RULE, Risk.LOW, "policy_allowed")
                : new PolicyDecision(Effect.DENY, PolicyDecision.DEFAULT_RULE, Risk.LOW, "policy_default_deny");
    }

    private static boolean walkVisible(Effect dflt, List<Rule> rules, PolicyQuery q) {
        for (Rule r : rules) {
            if (r.matchesTarget(q)) {
                if (r.effect() == Effect.ALLOW) {
                    return true;
                }
                if (r.arguments().isEmpty()) {
                    return false;
                }
            }
        }
        return dflt == Effect.ALLOW;
    }

    private static Rule rule(Random rnd, int i) {
        Set<String> principals = some(rnd, PRINCIPALS, 0.3);
        Set<String> roles = some(rnd, ROLES, 0.3);
        Set<String> servers = some(rnd, SERVERS, 0.4);
        List<Glob> tools = globs(rnd, PolicyTest.TOOL_CHARS);
        List<Glob> prompts = rnd.nextDouble() < 0.2 ? globs(rnd, PolicyTest.TOOL_CHARS) : List.of();
        List<Glob> resources = rnd.nextDouble() < 0.3 ? globs(rnd, PolicyTest.VISIBLE) : List.of();
        Effect effect = rnd.nextBoolean() ? Effect.ALLOW : Effect.DENY;
        return new Rule("r" + i, principals, roles, servers, tools, prompts, resources, List.of(), effect,
                Risk.values()[rnd.nextInt(Risk.values().length)]);
    }

    private static List<Glob> globs(Random rnd, java.util.regex.Pattern chars) {
        if (rnd.nextDouble() < 0.3) {
            return List.of();
        }
        List<Glob> out = new ArrayList<>();
        for (int k = 0; k <= rnd.nextInt(2); k++) {
            String g = GLOBS[rnd.nextInt(GLOBS.length)];
            try {
                out.add(Glob.of(g, chars));
            } catch (IllegalArgumentException e) {
                // a glob with characters this kind's names cannot have: not a valid rule, skip it
            }
        }
        return out;
    }

    private static Set<String> some(Random rnd, String[] from, double p) {
        if (rnd.nextDouble() >= p) {
            return Set.of();
        }
        Set<String> s = new HashSet<>();
        for (int k = 0; k <= rnd.nextInt(2); k++) {
            s.add(from[rnd.nextInt(from.length)]);
        }
        return s;
    }

    private static PolicyQuery query(Random rnd) {
        Set<String> roles = new HashSet<>();
        for (int k = 0; k < rnd.nextInt(3); k++) {
            roles.add(ROLES[rnd.nextInt(ROLES.length)]);
        }
        return new PolicyQuery(new Principal(PRINCIPALS[rnd.nextInt(PRINCIPALS.length)], roles, "k"),
                CallKind.values()[rnd.nextInt(CallKind.values().length)], SERVERS[rnd.nextInt(SERVERS.length)],
                NAMES[rnd.nextInt(NAMES.length)], Json.object());
    }
}
