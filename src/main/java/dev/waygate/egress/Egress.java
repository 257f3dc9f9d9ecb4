package dev.waygate.egress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.audit.AuditUnavailableException;
import dev.waygate.audit.Events;
import dev.waygate.auth.AuthResult;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.Principal;
import dev.waygate.metrics.Metrics;
import dev.waygate.net.Resolver;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The egress proxy of one gateway: its listener ({@link ProxyServer}), {@code /proxy/request}
 * ({@link Fetcher}), the rules in force and their reload, identification, accounting (audit,
 * stats, metrics) and the per-principal tunnel cap. Both entry points go through
 * {@link #admit} and end in {@link #finish}, so they are judged and recorded the same way.
 */
public final class Egress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Egress.class);

    private final EgressConfig config;
    private final AtomicReference<RuleSet> rules;
    private final Judge judge;
    private final Authenticator auth;
    private final AuditLog audit;
    private final ProxyStats stats = new ProxyStats();
    private final EgressMetrics metrics;
    private final Map<String, AtomicInteger> tunnels = new ConcurrentHashMap<>();
    private final ProxyServer server;
    private final Fetcher fetcher;

    public Egress(EgressConfig config, Authenticator auth, AuditLog audit, Metrics metrics, Resolver resolver) {
        this.config = config;
        this.rules = new AtomicReference<>(config.rules());
        this.judge = new Judge(rules::get, resolver);
        this.auth = auth;
        this.audit = audit;
        this.metrics = new EgressMetrics(metrics);
        this.server = new ProxyServer(this, config);
        this.fetcher = new Fetcher(this, server.client(), config.limits());
    }

    public void start() throws Exception {
        server.start();
        LOG.info("egress: proxy on {} ({} rules from {}, unmatched: {}, tunnel relay: {})", server.listening(), rules.get().rules().size(),
                rules.get().source(), rules.get().unmatched().name().toLowerCase(java.util.Locale.ROOT), server.tunnelRelay());
    }

    /** The bound port (useful with {@code listen: 127.0.0.1:0}). */
    public int port() {
        return server.port();
    }

    public RuleSet rules() {
        return rules.get();
    }

    /**
     * Puts the rules of a validated reload in force; requests already admitted keep their decision.
     *
     * @return whether they differ from the rules that were in force
     */
    public boolean reload(EgressConfig next) {
        RuleSet old = rules.getAndSet(next.rules());
        if (old.equals(next.rules())) {
            return false;
        }
        LOG.info("egress: {} rules loaded from {}", next.rules().rules().size(), next.rules().source());
        return true;
    }

    public ObjectNode stats() {
        return stats.json();
    }

    public Fetcher fetcher() {
        return fetcher;
    }

    /**
     * Who is asking: {@code Proxy-Authorization: Basic} with an API key as the password (or as the
     * user name with an empty password); without the header, a principal configured for the
     * source address; else whatever the gateway's auth mode gives a request without credentials.
     * A sandboxed server's minted credential ({@code NAME:SECRET}) gives principal {@code server:NAME}.
     */
    AuthResult identify(String proxyAuthorization, InetAddress remote) {
        if (proxyAuthorization != null && !proxyAuthorization.isBlank()) {
            // A sandboxed server's own credential gives principal server:NAME (decision 0024) ...
            Optional<Principal> server = dev.waygate.sandbox.ServerCredentials.fromProxyAuthorization(proxyAuthorization.trim());
            if (server.isPresent()) {
                return AuthResult.accepted(server.get());
            }
            Optional<String> key = basicKey(proxyAuthorization.trim());
            AuthResult r = key.isEmpty() ? AuthResult.rejected(dev.waygate.auth.Rejection.BAD_API_KEY) : auth.checkCredential(key.get());
            // ... and nothing else does: a token whose subject is "server:x" does not pass for a server.
            boolean posing = r.principal().filter(p -> dev.waygate.sandbox.ServerCredentials.isServerName(p.name())).isPresent();
            return posing ? AuthResult.rejected(dev.waygate.auth.Rejection.BAD_API_KEY) : r;
        }
        Optional<Principal> s = sourcePrincipal(remote);
        if (s.isPresent()) {
            return AuthResult.accepted(s.get());
        }
        return auth.checkCredential(null);
    }

    /**
     * The principal {@link #identify} would accept, when that is known without blocking (an I/O
     * thread calls it): a sandboxed server's credential, an API key the key store has cached and
     * recently confirmed, or without a credential the principal configured for the source address.
     * Empty says nothing, not a refusal: ask {@link #identify} on a thread that may block.
     */
    Optional<Principal> identifyCached(String proxyAuthorization, InetAddress remote) {
        if (proxyAuthorization != null && !proxyAuthorization.isBlank()) {
            String header = proxyAuthorization.trim();
            Optional<Principal> server = dev.waygate.sandbox.ServerCredentials.fromProxyAuthorization(header);
            if (server.isPresent()) {
                return server;
            }
            return basicKey(header).flatMap(auth::checkCredentialCached)
                    .filter(p -> !dev.waygate.sandbox.ServerCredentials.isServerName(p.name()));
        }
        return sourcePrincipal(remote);
    }

    private Optional<Principal> sourcePrincipal(InetAddress remote) {
        return config.sourcePrincipal(remote).map(s -> new Principal(s.principal(), s.roles(), "source:" + s.from()));
    }

    /** The API key in a Basic credential: the password, or the user name when the password is empty. */
    static Optional<String> basicKey(String header) {
        return dev.waygate.auth.BasicCredentials.parse(header)
                .map(c -> c.password().isEmpty() ? c.user() : c.password())
                .filter(key -> !key.isEmpty());
    }

    /** A request refused before it had a principal (407): audited as an authentication failure. */
    void unauthenticated(boolean presented, String remote) {
        metrics.violation(presented ? "invalid_credentials" : "unauthenticated");
        audit.authenticationFailed("egress", presented, remote);
    }

    /** A malformed request the HTTP parser refused (conflicting framing, oversized headers, …). */
    void malformed(int status, String remote) {
        String kind = status == 431 ? "header_too_large" : "malformed_request";
        metrics.violation(kind);
        try {
            audit.record(new AuditEvent(java.time.Instant.now(), "", "", EgressEvents.REQUEST, "", AuditEvent.Outcome.DENY,
                    kind, 0, Integer.toString(status), dev.waygate.mcp.Json.object().put("remote", remote)));
        } catch (AuditUnavailableException e) {
            LOG.warn("audit: could not record a malformed egress request: {}", e.getMessage());
        }
    }

    /**
     * Judges a request and starts its accounting. A denied exchange is finished (audited) here;
     * an allowed one must be passed to {@link #finish} when it ends. Nothing is allowed while the
     * audit log cannot record it.
     */
    Exchange admit(Principal who, Target t, String action, String remote) {
        Decision d = judge.decide(who, t);
        if (d.allowed() && audit.unavailable().isPresent()) {
            d = Decision.deny("audit_unavailable", d.rule());
        }
        Exchange x = new Exchange(who, t, d, action, remote);
        stats.decided(who.name(), d);
        metrics.decided(d);
        if (!d.allowed()) {
            if (t.tunnel()) {
                tunnels.get(who.name()).decrementAndGet();
            }
            finish(x);
        } else {
            metrics.active.incrementAndGet();
            if (t.tunnel()) {
                stats.tunnel(who.name(), d.ruleLabel(), 1);
            }
        }
        return x;
    }

    /**
     * Takes one of the principal's tunnel slots before a tunnel is judged; when none is left the
     * refusal ({@code tunnel_limit}) is recorded and false returned. A slot is given back when
     * the tunnel is denied ({@link #admit}) or ends ({@link #finish}).
     */
    boolean takeTunnelSlot(Principal who, Target t, String remote) {
        AtomicInteger open = tunnels.computeIfAbsent(who.name(), k -> new AtomicInteger());
        if (open.incrementAndGet() <= config.limits().maxTunnelsPerPrincipal()) {
            return true;
        }
        open.decrementAndGet();
        Exchange refused = new Exchange(who, t, Decision.deny("tunnel_limit", ""), EgressEvents.TUNNEL, remote);
        stats.decided(who.name(), refused.decision);
        metrics.decided(refused.decision);
        metrics.violation("tunnel_limit");
        finish(refused);
        return false;
    }

    /** Ends an exchange once: audit entry, byte counts, duration, tunnel slot. */
    void finish(Exchange x) {
        if (!x.finished.compareAndSet(false, true)) {
            return;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - x.startNanos);
        if (x.decision.allowed()) {
            metrics.active.decrementAndGet();
            metrics.took(took);
            stats.bytes(x.principal.name(), x.decision.ruleLabel(), x.bytesOut.get(), x.bytesIn.get());
            if (x.target.tunnel()) {
                tunnels.get(x.principal.name()).decrementAndGet();
                stats.tunnel(x.principal.name(), x.decision.ruleLabel(), -1);
            }
            if (!x.decision.audit() && x.failure.isEmpty()) {
                return;
            }
        }
        // Queued, not awaited: finish runs in Jetty's completion callbacks, often on a selector
        // thread, and the exchange is over. The entry is written and forced like any other.
        audit.recordLater(EgressEvents.of(x, took.toMillis())).whenComplete((done, e) -> {
            if (e != null) {
                LOG.warn("audit: could not record egress {} {}: {}", x.action, x.target.authority(), e.getMessage());
            }
        });
    }

    @Override
    public void close() throws Exception {
        server.close(); // the last entries are queued; the audit log, closed after, writes them
    }
}
