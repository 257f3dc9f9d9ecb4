package dev.waygate.guard;

import dev.waygate.net.Cidr;
import dev.waygate.net.SsrfCheck;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * URL arguments that point where the gateway's network may reach but the agent should not: a
 * scheme outside the allowlist ({@code gopher:}, {@code dict:}, {@code file:}), or a host that is,
 * or resolves to, an internal address (loopback, private, link-local, cloud metadata), or is
 * written as an obfuscated number. Decided by the shared {@link SsrfCheck}.
 *
 * <p>The host is read the way a browser-grade URL parser reads it ({@code \} ends the authority,
 * the last {@code @} ends the user info, any number of slashes after the scheme), from both the
 * value as sent and its normalised form: {@code http://example.com%2f@127.0.0.1/} has host
 * {@code 127.0.0.1} as sent and {@code example.com} once decoded, and a client may use either.
 */
final class Ssrf {
    private final SsrfCheck check;
    private final Set<String> schemes;
    private final List<Cidr> allowed;

    Ssrf(SsrfCheck check, Set<String> schemes, List<Cidr> allowed) {
        this.check = check;
        this.schemes = Set.copyOf(schemes);
        this.allowed = List.copyOf(allowed);
    }

    Optional<String> check(String raw, String normalised) {
        Optional<String> a = one(normalised);
        return a.isPresent() || raw.equals(normalised) ? a : one(raw);
    }

    private Optional<String> one(String url) {
        String u = url.strip();
        int colon = schemeEnd(u);
        String rest = u;
        if (colon > 0) {
            String scheme = u.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
            if (!schemes.contains(scheme)) {
                return Optional.of("scheme '" + (scheme.length() > 16 ? scheme.substring(0, 16) : scheme) + "' is not allowed");
            }
            rest = u.substring(colon + 1);
        } else if (u.isEmpty() || u.startsWith("/") && !u.startsWith("//")) {
            return Optional.empty(); // a relative reference names no host
        }
        String host = host(rest);
        if (host.isEmpty()) {
            return colon > 0 ? Optional.of("no host") : Optional.empty();
        }
        SsrfCheck.Verdict v = check.check(host, allowed);
        return v.allowed() ? Optional.empty() : Optional.of(v.reason() + ": " + v.detail());
    }

    /** Index of the scheme's colon, or -1 when {@code u} does not start with {@code scheme:}. */
    private static int schemeEnd(String u) {
        for (int i = 0; i < u.length() && i < 32; i++) {
            char c = u.charAt(i);
            if (c == ':') {
                return i > 0 && !(i == 1 && Character.isLetter(u.charAt(0)) && u.length() > 2 && (u.charAt(2) == '/'))
                        && !digitsAfter(u, i) ? i : -1;
            }
            boolean ok = Character.isLetter(c) && c < 128 || (i > 0 && (Character.isDigit(c) || c == '+' || c == '.' || c == '-'));
            if (!ok) {
                return -1;
            }
        }
        return -1;
    }

    /** {@code localhost:8080/x} is a host and port, not a scheme. */
    private static boolean digitsAfter(String u, int colon) {
        int i = colon + 1;
        int start = i;
        while (i < u.length() && Character.isDigit(u.charAt(i))) {
            i++;
        }
        return i > start && (i == u.length() || u.charAt(i) == '/');
    }

    static String host(String afterScheme) {
        int i = 0;
        while (i < afterScheme.length() && (afterScheme.charAt(i) == '/' || afterScheme.charAt(i) == '\\')) {
            i++;
        }
        int end = i;
        while (end < afterScheme.length() && "/?#\\".indexOf(afterScheme.charAt(end)) < 0) {
            end++;
        }
        String authority = afterScheme.substring(i, end);
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            return close < 0 ? hostPort : hostPort.substring(0, close + 1);
        }
        int port = hostPort.indexOf(':');
        return port < 0 ? hostPort : hostPort.substring(0, port);
    }
}
