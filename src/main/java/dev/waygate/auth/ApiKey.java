package dev.waygate.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A stored API key: never the key itself, only its hash.
 *
 * @param id        public identifier, part of the key (its recognisable prefix is {@code wg_<id>_})
 * @param name      the principal it authenticates
 * @param roles     the principal's roles
 * @param createdAt when it was created
 * @param expiresAt when it stops working, if ever
 * @param revokedAt when it was revoked, if it was
 */
public record ApiKey(String id, String name, Set<String> roles, Instant createdAt, Optional<Instant> expiresAt,
                     Optional<Instant> revokedAt) {
    public boolean usable(Instant now) {
        return revokedAt.isEmpty() && expiresAt.map(now::isBefore).orElse(true);
    }
}
