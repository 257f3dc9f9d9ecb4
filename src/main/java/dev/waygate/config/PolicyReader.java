package dev.waygate.config;

import com.google.re2j.PatternSyntaxException;
import dev.waygate.policy.ArgumentCondition;
import dev.waygate.policy.Effect;
import dev.waygate.policy.Glob;
import dev.waygate.policy.Policy;
import dev.waygate.policy.Risk;
import dev.waygate.policy.Rule;
import dev.waygate.policy.RuleApproval;
import dev.waygate.ratelimit.RateLimit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code policy} section: {@code default} and an ordered list of {@code rules}. */
final class PolicyReader {
    private static final Set<String> KEYS = Set.of("default", "rules");
    private static final Set<String> RULE_KEYS = Set.of("name", "principals", "roles", "servers", "tools", "prompts",
            "resources", "arguments", "effect", "risk", "rate_limit", "guards", "approval");
    private static final Set<String> APPROVAL_KEYS = Set.of("roles", "approvers", "ask_user");
    private static final Set<String> LIMIT_KEYS = Set.of("per_minute", "burst");
    private static final Set<String> CONDITION_KEYS = Set.of("prefix", "pattern");
    /** Characters of an MCP tool name; a tool glob using any other can never match. */
    private static final Pattern TOOL_CHARS = Pattern.compile("[A-Za-z0-9_.\\-]");
    private static final Pattern VISIBLE_CHARS = Pattern.compile("\\S");

    private PolicyReader() {}

    /**
     * @param ruleLimits receives each rule's {@code rate_limit}, by rule name
     */
    static Policy read(Node n, Set<String> servers, Map<String, RateLimit> ruleLimits) {
        return read(n, servers, ruleLimits, new java.util.HashMap<>());
    }

    /**
     * @param ruleGuards receives each rule's {@code guards} (detector modes), by rule name
     */
    static Policy read(Node n, Set<String> servers, Map<String, RateLimit> ruleLimits,
                       Map<String, Map<dev.waygate.guard.Check, dev.waygate.guard.Mode>> ruleGuards) {
        n.requireKeys(KEYS);
        Effect def = n.optional("default").map(PolicyReader::effect).orElse(Effect.DENY);
        List<Rule> rules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (n.has("rules")) {
            List<Node> list = n.child("rules").asList();
            for (int i = 0; i < list.size(); i++) {
                Rule r = rule(list.get(i), i, servers);
                if (!names.add(r.name())) {
                    throw list.get(i).child("name").error("rule name '" + r.name() + "' is used twice");
                }
                rules.add(r);
                Node rule = list.get(i);
                rule.optional("rate_limit").ifPresent(l -> {
                    if (r.effect() == Effect.DENY) {
                        throw l.error("applies only to rules with effect: allow");
                    }
                    ruleLimits.put(r.name(), rateLimit(l));
                });
                rule.optional("guards").ifPresent(g -> ruleGuards.put(r.name(), GuardReader.modes(g, false)));
            }
        }
        return new Policy(def, rules);
    }

    private static Rule rule(Node n, int index, Set<String> known) {
        n.requireKeys(RULE_KEYS);
        String name = n.string("name").orElse("rule-" + (index + 1));
        if (!name.matches("[A-Za-z0-9_.\\-]{1,64}")) {
            throw n.child("name").error("rule names may use letters, digits, _ . - (1 to 64 characters)");
        }
        if (!n.has("effect")) {
            throw n.child("effect").error("is required (allow or deny)");
        }
        Effect effect = effect(n.child("effect"));
        Risk risk = n.optional("risk").map(PolicyReader::risk).orElse(Risk.LOW);
        if (effect == Effect.DENY && n.has("risk")) {
            throw n.child("risk").error("applies only to rules with effect: allow");
        }
        Set<String> servers = set(n, "servers");
        if (n.has("servers")) {
            for (Node s : n.child("servers").asList()) {
                if (!known.contains(s.asString())) {
                    throw s.error("no server named '" + s.asString() + "' (known: "
                            + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
                }
            }
        }
        if (effect == Effect.DENY && n.has("approval")) {
            throw n.child("approval").error("applies only to rules with effect: allow");
        }
        RuleApproval approval = n.optional("approval").map(PolicyReader::approval).orElse(RuleApproval.DEFAULT);
        return new Rule(name, set(n, "principals"), set(n, "roles"), servers, globs(n, "tools", TOOL_CHARS),
                globs(n, "prompts", VISIBLE_CHARS), globs(n, "resources", VISIBLE_CHARS), conditions(n), effect, risk,
                approval);
    }

    /** {@code { roles: [..], approvers: 1|2, ask_user: bool }}; absent keys take {@link RuleApproval#DEFAULT}'s values. */
    private static RuleApproval approval(Node n) {
        n.requireKeys(APPROVAL_KEYS);
        Set<String> roles = n.has("roles") ? set(n, "roles") : RuleApproval.DEFAULT_ROLES;
        boolean askUser = n.optional("ask_user").map(Node::asBoolean).orElse(false);
        int approvers = n.optional("approvers").map(a -> a.asInt(0, 2)).orElse(1);
        if (approvers == 0 && !askUser) {
            throw n.child("approvers").error("0 approvers needs ask_user: true (someone must decide)");
        }
        return new RuleApproval(roles, approvers, askUser);
    }

    private static Set<String> set(Node n, String key) {
        if (!n.has(key)) {
            return Set.of();
        }
        Node v = n.child(key);
        return nonEmpty(v, new LinkedHashSet<>(v.asStringList()));
    }

    private static <T extends java.util.Collection<?>> T nonEmpty(Node n, T values) {
        if (values.isEmpty()) {
            throw n.error("an empty list matches nothing: leave the key out to match all");
        }
        return values;
    }

    private static List<Glob> globs(Node n, String key, Pattern chars) {
        if (!n.has(key)) {
            return List.of();
        }
        Node list = n.child(key);
        List<Glob> out = new ArrayList<>();
        for (Node g : list.asList()) {
            try {
                out.add(Glob.of(g.asString(), chars));
            } catch (IllegalArgumentException e) {
                throw g.error(e.getMessage());
            }
        }
        return nonEmpty(list, out);
    }

    private static List<ArgumentCondition> conditions(Node n) {
        if (!n.has("arguments")) {
            return List.of();
        }
        List<ArgumentCondition> out = new ArrayList<>();
        Map<String, Node> byArgument = n.child("arguments").asMap();
        if (byArgument.isEmpty()) {
            throw n.child("arguments").error("an empty mapping sets no condition: leave the key out");
        }
        for (Map.Entry<String, Node> e : byArgument.entrySet()) {
            Node c = e.getValue().requireKeys(CONDITION_KEYS);
            if (!c.has("prefix") && !c.has("pattern")) {
                throw c.error("give prefix or pattern");
            }
            List<String> prefixes = new ArrayList<>();
            if (c.has("prefix")) {
                Node p = c.child("prefix");
                for (Node one : p.isList() ? nonEmpty(p, p.asList()) : List.of(p)) {
                    String prefix = one.asString();
                    // A prefix with . or .. segments would be compared with values that cannot have them.
                    if (!ArgumentCondition.isCleanPath(prefix)) {
                        throw one.error("must be an absolute path without . or .. segments, //, \\, % escapes "
                                + "or control characters");
                    }
                    prefixes.add(prefix);
                }
            }
            Optional<com.google.re2j.Pattern> pattern = Optional.empty();
            if (c.has("pattern")) {
                try {
                    pattern = Optional.of(com.google.re2j.Pattern.compile(c.child("pattern").asString()));
                } catch (PatternSyntaxException bad) {
                    throw c.child("pattern").error("not a valid regular expression: " + bad.getDescription());
                }
            }
            out.add(new ArgumentCondition(e.getKey(), prefixes, pattern));
        }
        return out;
    }

    /** {@code { per_minute: N, burst: M }}; burst defaults to per_minute. */
    static RateLimit rateLimit(Node n) {
        n.requireKeys(LIMIT_KEYS);
        if (!n.has("per_minute")) {
            throw n.child("per_minute").error("is required");
        }
        int perMinute = n.child("per_minute").asInt(1, 1_000_000_000);
        int burst = n.optional("burst").map(b -> b.asInt(1, 1_000_000_000)).orElse(perMinute);
        return new RateLimit(perMinute, burst);
    }

    private static Effect effect(Node n) {
        return switch (n.asString()) {
            case "allow" -> Effect.ALLOW;
            case "deny" -> Effect.DENY;
            default -> throw n.error("must be allow or deny");
        };
    }

    private static Risk risk(Node n) {
        return switch (n.asString()) {
            case "low" -> Risk.LOW;
            case "medium" -> Risk.MEDIUM;
            case "high" -> Risk.HIGH;
            default -> throw n.error("must be low, medium or high");
        };
    }
}
