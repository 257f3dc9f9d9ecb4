package dev.waygate.egress;

import dev.waygate.config.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The validated {@code egress:} section: the forward proxy exists only when it is present.
 *
 * @param listen           where the proxy listens ({@link #DEFAULT_LISTEN}); loopback by default
 * @param rules            the rule set in force at start (inline {@code rules}, then those of
 *                         {@code rules_file}); reloaded with the policy
 * @param limits           timeouts and size and concurrency caps
 * @param sourcePrincipals principals given by source address when no {@code Proxy-Authorization}
 *                         is sent; allowed only on a loopback listener; empty means none
 */
public record EgressConfig(HostPort listen, RuleSet rules, Limits limits, List<SourcePrincipal> sourcePrincipals) {
    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 3128);

    public EgressConfig {
        sourcePrincipals = List.copyOf(sourcePrincipals);
    }

    /** What a reload cannot change: everything but the rules. */
    public List<Object> fixedPart() {
        return List.of(listen, limits, sourcePrincipals);
    }

    /**
     * @param connectTimeout         dialing a destination; 504 after it
     * @param idleTimeout            a client connection, tunnel or upstream connection without traffic
     * @param maxTunnelsPerPrincipal open CONNECT tunnels per principal; 429 beyond it
     * @param maxHeaderBytes         request line and headers; Jetty answers 431 beyond it
     * @param maxResponseBytes       {@code POST /proxy/request} response body cap; 502 beyond it
     * @param maxRedirects           redirects {@code /proxy/request} follows, each re-checked
     */
    public record Limits(Duration connectTimeout, Duration idleTimeout, int maxTunnelsPerPrincipal, int maxHeaderBytes,
                         long maxResponseBytes, int maxRedirects) {
        public static final Limits DEFAULTS = new Limits(Duration.ofSeconds(10), Duration.ofMinutes(5), 64, 16 * 1024,
                10L * 1024 * 1024, 5);
    }

    /**
     * A principal for connections from one address range, for setups where agents cannot send
     * proxy credentials. Only on a loopback listener, where the source address means a local process.
     */
    public record SourcePrincipal(dev.waygate.net.Cidr from, String principal, java.util.Set<String> roles) {
        public SourcePrincipal {
            roles = java.util.Set.copyOf(roles);
        }
    }

    public Optional<SourcePrincipal> sourcePrincipal(java.net.InetAddress remote) {
        return sourcePrincipals.stream().filter(s -> s.from().contains(remote)).findFirst();
    }
}
