package dev.waygate.approval;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * "Approve similar calls for N minutes": after an approver says so, calls by the same principal to
 * the same tool with the same {@link ArgumentShape} pass without asking again until the grant ends.
 * In memory only: a restart forgets every grant (asking again is the safe side).
 */
final class SimilarGrants {
    private record Grant(Instant until, String approvalId) {}

    private final Map<String, Grant> grants = new ConcurrentHashMap<>();

    void grant(String principal, String tool, String shape, Instant until, String approvalId) {
        grants.put(key(principal, tool, shape), new Grant(until, approvalId));
    }

    /** The approval the matching grant came from, if one is in force now. */
    Optional<String> match(String principal, String tool, String shape, Instant now) {
        String k = key(principal, tool, shape);
        Grant g = grants.get(k);
        if (g == null) {
            return Optional.empty();
        }
        if (!now.isBefore(g.until())) {
            grants.remove(k, g);
            return Optional.empty();
        }
        return Optional.of(g.approvalId());
    }

    private static String key(String principal, String tool, String shape) {
        return principal.length() + ":" + principal + "\n" + tool.length() + ":" + tool + "\n" + shape;
    }
}
