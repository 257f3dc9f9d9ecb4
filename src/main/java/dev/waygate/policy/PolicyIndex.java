package dev.waygate.policy;

import dev.waygate.pipeline.CallKind;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Narrows the rules a decision must try, without changing any decision: for a query it returns a
 * superset of the rules whose caller, server and name criteria hold, in rule order, and the policy
 * still checks each of them in full. With a thousand rules most are about other principals, roles,
 * servers or tools, and a decision then tries a handful instead of all.
 *
 * <p>Caller and server criteria are looked up in maps built once (a rule without the criterion is
 * in every set). Name criteria are globs: which rules' globs match a name is computed once per
 * (kind, name) and remembered, up to {@link #MAX_NAMES} names; past that, names are computed each
 * time (resource URIs can be unbounded, so memory is capped rather than the cache trusted).
 */
final class PolicyIndex {
    static final int MAX_NAMES = 10_000;

    private record NameKey(CallKind kind, String name) {}

    private final List<Rule> rules;
    private final BitSet anyPrincipal = new BitSet();
    private final Map<String, BitSet> byPrincipal = new HashMap<>();
    private final BitSet anyRole = new BitSet();
    private final Map<String, BitSet> byRole = new HashMap<>();
    private final BitSet anyServer = new BitSet();
    private final Map<String, BitSet> byServer = new HashMap<>();
    private final Map<NameKey, BitSet> byName = new ConcurrentHashMap<>();

    PolicyIndex(List<Rule> rules) {
        this.rules = rules;
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            index(i, r.principals(), anyPrincipal, byPrincipal);
            index(i, r.roles(), anyRole, byRole);
            index(i, r.servers(), anyServer, byServer);
        }
    }

    private static void index(int i, Set<String> values, BitSet any, Map<String, BitSet> by) {
        if (values.isEmpty()) {
            any.set(i);
        } else {
            values.forEach(v -> by.computeIfAbsent(v, k -> new BitSet()).set(i));
        }
    }

    /** The rules that may apply, by index; iterate with {@link BitSet#nextSetBit}. */
    BitSet candidates(PolicyQuery q) {
        BitSet c = (BitSet) anyPrincipal.clone();
        or(c, byPrincipal.get(q.principal().name()));
        BitSet roles = (BitSet) anyRole.clone();
        for (String role : q.principal().roles()) {
            or(roles, byRole.get(role));
        }
        c.and(roles);
        BitSet servers = (BitSet) anyServer.clone();
        or(servers, byServer.get(q.server()));
        c.and(servers);
        if (!c.isEmpty()) {
            c.and(names(q.kind(), q.name()));
        }
        return c;
    }

    private BitSet names(CallKind kind, String name) {
        NameKey key = new NameKey(kind, name);
        BitSet known = byName.get(key);
        if (known != null) {
            return known;
        }
        BitSet b = new BitSet(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).matchesName(kind, name)) {
                b.set(i);
            }
        }
        if (byName.size() < MAX_NAMES) {
            byName.putIfAbsent(key, b);
        }
        return b;
    }

    private static void or(BitSet into, BitSet other) {
        if (other != null) {
            into.or(other);
        }
    }
}
