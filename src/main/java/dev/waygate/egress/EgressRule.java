package dev.waygate.egress;

import dev.waygate.auth.Principal;
import dev.waygate.net.Cidr;
import dev.waygate.ratelimit.RateLimit;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One {@code egress.rules} entry. Its <em>scope</em> says whom and where it is about (principals,
 * roles, domains, ports, schemes); its <em>constraints</em> say what it allows there (methods,
 * paths, the internal ranges of {@code allow_cidrs}, the rate). Empty lists mean "any", except
 * {@code ports} (default {@link #DEFAULT_PORTS}) and {@code allow_cidrs} (none: public addresses only).
 *
 * @param audit whether allowed requests are audited (denials always are)
 * @param mode  {@code ENFORCE}: a failed constraint denies; {@code REPORT}: it allows and records
 *              the denial it would have been (never for SSRF: an internal address is always refused)
 */
public record EgressRule(String name, List<DomainPattern> domains, Set<Integer> ports, Set<String> schemes,
                         Set<String> methods, List<String> paths, Set<String> principals, Set<String> roles,
                         Optional<RateLimit> rateLimit, boolean audit, Mode mode, List<Cidr> allowCidrs) {
    public static final Set<Integer> DEFAULT_PORTS = Set.of(80, 443);

    public enum Mode { ENFORCE, REPORT }

    public EgressRule {
        domains = List.copyOf(domains);
        ports = Set.copyOf(ports);
        schemes = Set.copyOf(schemes);
        methods = Set.copyOf(methods);
        paths = List.copyOf(paths);
        principals = Set.copyOf(principals);
        roles = Set.copyOf(roles);
        allowCidrs = List.copyOf(allowCidrs);
    }

    /** Whether the rule is about this principal and destination at all. */
    boolean inScope(Principal who, Target t) {
        if (!principals.isEmpty() && !principals.contains(who.name())) {
            return false;
        }
        if (!roles.isEmpty() && who.roles().stream().noneMatch(roles::contains)) {
            return false;
        }
        if (!ports.contains(t.port())) {
            return false;
        }
        if (!schemes.isEmpty() && !schemes.contains(t.scheme())) {
            return false;
        }
        for (DomainPattern d : domains) {
            if (d.matches(t.host())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first failed request constraint, or empty. Methods and paths are seen only in plain HTTP:
     * a tunnel carries them encrypted, so a rule that names them does not allow a tunnel.
     */
    Optional<String> requestConstraint(Target t) {
        if (t.tunnel()) {
            return methods.isEmpty() && paths.isEmpty() ? Optional.empty() : Optional.of("tunnel_not_allowed");
        }
        if (!methods.isEmpty() && !methods.contains(t.method())) {
            return Optional.of("method_not_allowed");
        }
        if (!paths.isEmpty() && paths.stream().noneMatch(p -> t.path().startsWith(p))) {
            return Optional.of("path_not_allowed");
        }
        return Optional.empty();
    }
}
