package dev.waygate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * One policy rule. Every listed criterion must hold; an absent (empty) criterion holds for all.
 * A rule that names none of {@code tools}, {@code prompts}, {@code resources} applies to all three
 * kinds of call; one that names some applies only to those kinds.
 *
 * @param name       stable identifier, shown to denied clients and in audit entries
 * @param principals principal names
 * @param roles      any of these roles
 * @param servers    upstream server names
 * @param tools      globs over exposed tool names (as clients see them, e.g. {@code github__create_*})
 * @param prompts    globs over exposed prompt names
 * @param resources  globs over resource URIs
 * @param arguments  conditions on tool arguments; all must hold
 * @param effect     allow or deny
 * @param risk       for allowing rules: low, medium or high
 * @param approval   who approves a call this rule allows when its risk needs a person
 */
public record Rule(String name, Set<String> principals, Set<String> roles, Set<String> servers, List<Glob> tools,
                   List<Glob> prompts, List<Glob> resources, List<ArgumentCondition> arguments, Effect effect, Risk risk,
                   RuleApproval approval) {
    /** With the default approval settings. */
    public Rule(String name, Set<String> principals, Set<String> roles, Set<String> servers, List<Glob> tools,
                List<Glob> prompts, List<Glob> resources, List<ArgumentCondition> arguments, Effect effect, Risk risk) {
        this(name, principals, roles, servers, tools, prompts, resources, arguments, effect, risk, RuleApproval.DEFAULT);
    }

    public Rule {
        java.util.Objects.requireNonNull(approval, "approval");
        principals = Set.copyOf(principals);
        roles = Set.copyOf(roles);
        servers = Set.copyOf(servers);
        tools = List.copyOf(tools);
        prompts = List.copyOf(prompts);
        resources = List.copyOf(resources);
        arguments = List.copyOf(arguments);
    }

    /** Whether the rule applies to this caller and target, leaving argument conditions aside. */
    boolean matchesTarget(PolicyQuery q) {
        return matchesCaller(q.principal()) && (servers.isEmpty() || servers.contains(q.server()))
                && matchesName(q.kind(), q.name());
    }

    /** The principal and role criteria. */
    boolean matchesCaller(dev.waygate.auth.Principal p) {
        if (!principals.isEmpty() && !principals.contains(p.name())) {
            return false;
        }
        return roles.isEmpty() || anyRole(p.roles());
    }

    /** The name criteria: the globs of the call's kind (a rule naming no kind applies to all). */
    boolean matchesName(dev.waygate.pipeline.CallKind kind, String name) {
        boolean kindsNamed = !tools.isEmpty() || !prompts.isEmpty() || !resources.isEmpty();
        if (!kindsNamed) {
            return true;
        }
        List<Glob> globs = switch (kind) {
            case TOOL -> tools;
            case PROMPT -> prompts;
            case RESOURCE -> resources;
        };
        if (kind == dev.waygate.pipeline.CallKind.RESOURCE && !resources.isEmpty()) {
            return matchesResource(name);
        }
        for (Glob g : globs) {
            if (g.matches(name)) {
                return true;
            }
        }
        return false;
    }

    /** Traversal in a URI neither satisfies an allowing glob nor dodges a denying one (see {@link ResourceUris}). */
    private boolean matchesResource(String uri) {
        if (effect == Effect.ALLOW) {
            return ResourceUris.isClean(uri) && resources.stream().anyMatch(g -> g.matches(uri));
        }
        String normalised = ResourceUris.normalise(uri);
        return resources.stream().anyMatch(g -> g.matches(uri) || g.matches(normalised));
    }

    /** Allowing: every condition holds. Denying: every condition holds or cannot judge its value (fail closed). */
    boolean argumentsHold(JsonNode args) {
        return effect == Effect.ALLOW
                ? arguments.stream().allMatch(c -> c.holds(args))
                : arguments.stream().allMatch(c -> c.mayHold(args));
    }

    private boolean anyRole(java.util.Set<String> callerRoles) {
        for (String r : callerRoles) {
            if (roles.contains(r)) {
                return true;
            }
        }
        return false;
    }
}
