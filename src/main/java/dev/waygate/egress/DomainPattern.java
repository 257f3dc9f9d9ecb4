package dev.waygate.egress;

import java.util.Locale;

/**
 * A destination pattern: an exact host ({@code api.github.com}), a wildcard for the subdomains
 * of a domain ({@code *.githubusercontent.com}: not the domain itself), or {@code *} (any host).
 * Hosts are compared after {@link dev.waygate.net.Hosts#strip} (lower case, no trailing dot, no
 * brackets), so {@code API.GitHub.com.} is {@code api.github.com}.
 */
public record DomainPattern(String text) {

    public static DomainPattern parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith(".") && t.length() > 1) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.equals("*")) {
            return new DomainPattern(t);
        }
        String body = t.startsWith("*.") ? t.substring(2) : t;
        if (body.isEmpty() || body.contains("*") || body.contains("/") || body.contains(" ") || body.startsWith(".")) {
            throw new IllegalArgumentException("'" + text + "' is not a host, '*.domain' or '*'");
        }
        return new DomainPattern(dev.waygate.net.Hosts.strip(t));
    }

    /** @param host already stripped ({@link dev.waygate.net.Hosts#strip}) */
    public boolean matches(String host) {
        if (text.equals("*")) {
            return true;
        }
        if (text.startsWith("*.")) {
            return host.length() > text.length() - 1 && host.endsWith(text.substring(1));
        }
        return host.equals(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
