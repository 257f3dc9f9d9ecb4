package dev.waygate.config;

import dev.waygate.egress.DomainPattern;
import dev.waygate.egress.EgressConfig;
import dev.waygate.egress.EgressRule;
import dev.waygate.egress.RuleSet;
import dev.waygate.net.Cidr;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Reads the {@code egress:} section and its optional JSON rules file ({@code {"rules": [...]}}).
 * The inline rules come first, then the file's; names are unique across both. Every error names
 * file, line and key, in the YAML or in the rules file.
 */
final class EgressReader {
    private static final Set<String> KEYS = Set.of("listen", "default", "rules", "rules_file", "limits", "source_principals");
    private static final Set<String> RULE_KEYS = Set.of("name", "domains", "ports", "schemes", "methods", "paths",
            "principals", "roles", "rate_limit", "audit", "mode", "allow_cidrs");
    private static final Set<String> LIMIT_KEYS = Set.of("connect_timeout", "idle_timeout", "max_tunnels_per_principal",
            "max_header_bytes", "max_response_bytes", "max_redirects");
    private static final Set<String> SOURCE_KEYS = Set.of("from", "principal", "roles");
    private static final Set<String> SCHEMES = Set.of("http", "https");

    private EgressReader() {}

    /** @param json parses a JSON file named by a node (the {@code rules_file} value) into a located tree */
    static EgressConfig read(Node n, Path base, BiFunction<Path, Node, Node> json) {
        n.requireKeys(KEYS);
        HostPort listen = n.optional("listen").map(ConfigLoader::hostPort).orElse(EgressConfig.DEFAULT_LISTEN);
        EgressConfig.Limits limits = n.optional("limits").map(EgressReader::limits).orElse(EgressConfig.Limits.DEFAULTS);
        List<EgressConfig.SourcePrincipal> sources = n.optional("source_principals").map(EgressReader::sources).orElse(List.of());
        if (!sources.isEmpty() && !listen.isLoopback()) {
            throw n.child("source_principals").error("is allowed only when egress.listen is a loopback address");
        }
        return new EgressConfig(listen, rules(n, base, json), limits, sources);
    }

    private static RuleSet rules(Node n, Path base, BiFunction<Path, Node, Node> json) {
        RuleSet.Unmatched unmatched = n.optional("default").map(d -> switch (d.asString()) {
            case "deny" -> RuleSet.Unmatched.DENY;
            case "report" -> RuleSet.Unmatched.REPORT;
            default -> throw d.error("must be 'deny' or 'report' (allow what is needed with rules; domains: ['*'] allows any public host)");
        }).orElse(RuleSet.Unmatched.DENY);
        List<EgressRule> rules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        String source = n.file();
        if (n.has("rules")) {
            for (Node r : n.child("rules").asList()) {
                rules.add(rule(r, names));
            }
        }
        if (n.has("rules_file")) {
            Node f = n.child("rules_file");
            Path file = base.resolve(f.asString()).normalize();
            Node doc = json.apply(file, f).requireKeys(Set.of("rules"));
            if (!doc.has("rules")) {
                throw doc.child("rules").error("is required");
            }
            for (Node r : doc.child("rules").asList()) {
                rules.add(rule(r, names));
            }
            source += " + " + file;
            return new RuleSet(rules, unmatched, source, Optional.of(file));
        }
        return new RuleSet(rules, unmatched, source);
    }

    private static EgressRule rule(Node n, Set<String> names) {
        n.requireKeys(RULE_KEYS);
        if (!n.has("name")) {
            throw n.child("name").error("is required");
        }
        String name = n.child("name").asString().trim();
        if (name.isEmpty() || !names.add(name)) {
            throw n.child("name").error(name.isEmpty() ? "must not be empty" : "'" + name + "' is already used by another rule");
        }
        if (!n.has("domains")) {
            throw n.child("domains").error("is required (a host, '*.domain' or '*')");
        }
        List<DomainPattern> domains = new ArrayList<>();
        for (Node d : nonEmpty(n.child("domains"))) {
            try {
                domains.add(DomainPattern.parse(d.asString()));
            } catch (IllegalArgumentException e) {
                throw d.error(e.getMessage());
            }
        }
        Set<Integer> ports = n.optional("ports").map(p -> {
            Set<Integer> s = new LinkedHashSet<>();
            nonEmpty(p).forEach(x -> s.add(x.asInt(1, 65535)));
            return s;
        }).orElse(EgressRule.DEFAULT_PORTS);
        Set<String> schemes = strings(n, "schemes", s -> {
            String v = s.asString().toLowerCase(Locale.ROOT);
            if (!SCHEMES.contains(v)) {
                throw s.error("must be 'http' or 'https'");
            }
            return v;
        });
        Set<String> methods = strings(n, "methods", m -> {
            String v = m.asString().toUpperCase(Locale.ROOT);
            if (!v.matches("[A-Z]{1,20}") || v.equals("CONNECT")) {
                throw m.error("must be an HTTP method such as GET (CONNECT is implied by https)");
            }
            return v;
        });
        List<String> paths = List.copyOf(strings(n, "paths", p -> {
            String v = p.asString();
            if (!v.startsWith("/")) {
                throw p.error("must be a path prefix starting with /");
            }
            return v;
        }));
        Set<String> principals = strings(n, "principals", Node::asString);
        Set<String> roles = strings(n, "roles", Node::asString);
        var rate = n.optional("rate_limit").map(PolicyReader::rateLimit);
        boolean audit = n.optional("audit").map(Node::asBoolean).orElse(true);
        EgressRule.Mode mode = n.optional("mode").map(m -> switch (m.asString()) {
            case "enforce" -> EgressRule.Mode.ENFORCE;
            case "report" -> EgressRule.Mode.REPORT;
            default -> throw m.error("must be 'enforce' or 'report'");
        }).orElse(EgressRule.Mode.ENFORCE);
        List<Cidr> cidrs = new ArrayList<>();
        if (n.has("allow_cidrs")) {
            for (Node c : nonEmpty(n.child("allow_cidrs"))) {
                try {
                    cidrs.add(Cidr.parse(c.asString().trim()));
                } catch (IllegalArgumentException e) {
                    throw c.error(e.getMessage());
                }
            }
        }
        return new EgressRule(name, domains, ports, schemes, methods, paths, principals, roles, rate, audit, mode, cidrs);
    }

    private static Set<String> strings(Node n, String key, java.util.function.Function<Node, String> each) {
        if (!n.has(key)) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        nonEmpty(n.child(key)).forEach(x -> out.add(each.apply(x)));
        return out;
    }

    private static List<Node> nonEmpty(Node list) {
        List<Node> l = list.asList();
        if (l.isEmpty()) {
            throw list.error("must not be empty (leave the key out for any)");
        }
        return l;
    }

    private static EgressConfig.Limits limits(Node n) {
        n.requireKeys(LIMIT_KEYS);
        EgressConfig.Limits d = EgressConfig.Limits.DEFAULTS;
        Duration connect = n.optional("connect_timeout").map(Durations::parse).orElse(d.connectTimeout());
        Duration idle = n.optional("idle_timeout").map(Durations::parse).orElse(d.idleTimeout());
        int tunnels = n.optional("max_tunnels_per_principal").map(x -> x.asInt(1, 1_000_000)).orElse(d.maxTunnelsPerPrincipal());
        int header = n.optional("max_header_bytes").map(x -> x.asInt(1024, 1024 * 1024)).orElse(d.maxHeaderBytes());
        long response = n.optional("max_response_bytes").map(x -> (long) x.asInt(1, Integer.MAX_VALUE)).orElse(d.maxResponseBytes());
        int redirects = n.optional("max_redirects").map(x -> x.asInt(0, 20)).orElse(d.maxRedirects());
        return new EgressConfig.Limits(connect, idle, tunnels, header, response, redirects);
    }

    private static List<EgressConfig.SourcePrincipal> sources(Node n) {
        List<EgressConfig.SourcePrincipal> out = new ArrayList<>();
        for (Node s : n.asList()) {
            s.requireKeys(SOURCE_KEYS);
            if (!s.has("from") || !s.has("principal")) {
                throw s.child(s.has("from") ? "principal" : "from").error("is required");
            }
            Cidr from;
            try {
                from = Cidr.parse(s.child("from").asString().trim());
            } catch (IllegalArgumentException e) {
                throw s.child("from").error(e.getMessage());
            }
            String principal = s.child("principal").asString().trim();
            if (principal.isEmpty()) {
                throw s.child("principal").error("must not be empty");
            }
            Set<String> roles = s.optional("roles").map(r -> Set.copyOf(r.asStringList())).orElse(Set.of());
            out.add(new EgressConfig.SourcePrincipal(from, principal, roles));
        }
        return out;
    }
}
