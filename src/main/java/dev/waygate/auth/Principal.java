package dev.waygate.auth;

import java.util.Set;

/**
 * Who is calling: established once per request by authentication, then carried by every call.
 *
 * @param name  the principal's name (a key's name, later a token subject)
 * @param roles roles and groups
 * @param keyId identifies the credential in logs without revealing it
 */
public record Principal(String name, Set<String> roles, String keyId) {
    /** The principal of {@code auth: none} (loopback only, configured explicitly). */
    public static final Principal ANONYMOUS = new Principal("anonymous", Set.of(), "none");

    public Principal {
        roles = Set.copyOf(roles);
    }
}
