package dev.waygate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The validated configuration: immutable, built only by {@link ConfigLoader}.
 *
 * @param file           where it was read from
 * @param listen         address of /mcp, the admin API and health endpoints
 * @param dataDir        SQLite database and generated secrets
 * @param auth           {@code API_KEY} (default) or {@code NONE} (loopback only, written explicitly)
 * @param allowedOrigins browser origins accepted on /mcp (DNS-rebinding protection); requests
 *                       without an Origin header are not from a browser and are accepted
 * @param maxBodyBytes   larger request bodies get 413
 * @param separator      between namespace and name, {@code __} by default
 * @param pageSize       items per page of aggregated lists
 * @param sessionIdle    a client session unused this long is ended
 * @param servers        by name, in a stable order
 * @param policy         who may call what; without a {@code policy} section every call is denied
 * @param rateLimits     token buckets per principal, per tool and per rule; none by default
 * @param audit          the audit journal ({@code audit:}); defaults when absent
 * @param oauth          JWT access tokens accepted besides API keys; absent means API keys only
 * @param watchConfig    reload the policy when the file changes ({@code watch_config}, default true)
 * @param digest         SHA-256 (hex) of the file's bytes as read; empty when not read from a file
 * @param guards         the {@code guards:} section and the rules' guard overrides; reloaded with the policy
 * @param pinning        tool pinning ({@code pinning:}); enforce when absent
 * @param approvals      the approval gate's timeout, webhooks and dashboard link ({@code approvals:})
 * @param egress         the forward proxy ({@code egress:}); absent means no proxy listener
 */
public record GatewayConfig(
        Path file,
        HostPort listen,
        Path dataDir,
        AuthMode auth,
        List<String> allowedOrigins,
        long maxBodyBytes,
        String separator,
        int pageSize,
        Duration sessionIdle,
        Map<String, ServerConfig> servers,
        dev.waygate.policy.Policy policy,
        dev.waygate.ratelimit.RateLimits rateLimits,
        AuditConfig audit,
        java.util.Optional<OAuthConfig> oauth,
        boolean watchConfig,
        String digest,
        dev.waygate.guard.GuardSettings guards,
        PinningConfig pinning,
        ApprovalsConfig approvals,
        java.util.Optional<dev.waygate.egress.EgressConfig> egress) {

    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 8080);
    public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;
    public static final String DEFAULT_SEPARATOR = "__";
    public static final int DEFAULT_PAGE_SIZE = 100;
    public static final Duration DEFAULT_SESSION_IDLE = Duration.ofMinutes(30);
    public static final boolean DEFAULT_WATCH_CONFIG = true;

    public enum AuthMode { API_KEY, NONE }

    public GatewayConfig {
        allowedOrigins = List.copyOf(allowedOrigins);
        servers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(servers));
        java.util.Objects.requireNonNull(audit, "audit");
        java.util.Objects.requireNonNull(digest, "digest");
        java.util.Objects.requireNonNull(guards, "guards");
        java.util.Objects.requireNonNull(pinning, "pinning");
        java.util.Objects.requireNonNull(approvals, "approvals");
        java.util.Objects.requireNonNull(egress, "egress");
    }

    /** Default guard settings, default pinning (enforce), default approval settings, no egress proxy. */
    public GatewayConfig(Path file, HostPort listen, Path dataDir, AuthMode auth, List<String> allowedOrigins,
                         long maxBodyBytes, String separator, int pageSize, Duration sessionIdle,
                         Map<String, ServerConfig> servers, dev.waygate.policy.Policy policy,
                         dev.waygate.ratelimit.RateLimits rateLimits, AuditConfig audit,
                         java.util.Optional<OAuthConfig> oauth, boolean watchConfig, String digest) {
        this(file, listen, dataDir, auth, allowedOrigins, maxBodyBytes, separator, pageSize, sessionIdle, servers,
                policy, rateLimits, audit, oauth, watchConfig, digest, dev.waygate.guard.GuardSettings.DEFAULTS,
                PinningConfig.DEFAULTS, ApprovalsConfig.DEFAULTS, java.util.Optional.empty());
    }

    /** Not read from a file (tests): the file is watched by default, no digest. */
    public GatewayConfig(Path file, HostPort listen, Path dataDir, AuthMode auth, List<String> allowedOrigins,
                         long maxBodyBytes, String separator, int pageSize, Duration sessionIdle,
                         Map<String, ServerConfig> servers, dev.waygate.policy.Policy policy,
                         dev.waygate.ratelimit.RateLimits rateLimits, AuditConfig audit,
                         java.util.Optional<OAuthConfig> oauth) {
        this(file, listen, dataDir, auth, allowedOrigins, maxBodyBytes, separator, pageSize, sessionIdle, servers,
                policy, rateLimits, audit, oauth, DEFAULT_WATCH_CONFIG, "");
    }

    /** A configuration without a policy section (every call is denied), default audit settings, API keys only. */
    public GatewayConfig(Path file, HostPort listen, Path dataDir, AuthMode auth, List<String> allowedOrigins,
                         long maxBodyBytes, String separator, int pageSize, Duration sessionIdle,
                         Map<String, ServerConfig> servers) {
        this(file, listen, dataDir, auth, allowedOrigins, maxBodyBytes, separator, pageSize, sessionIdle, servers,
                dev.waygate.policy.Policy.DENY_ALL, dev.waygate.ratelimit.RateLimits.NONE);
    }

    /** Default audit settings, API keys only. */
    public GatewayConfig(Path file, HostPort listen, Path dataDir, AuthMode auth, List<String> allowedOrigins,
                         long maxBodyBytes, String separator, int pageSize, Duration sessionIdle,
                         Map<String, ServerConfig> servers, dev.waygate.policy.Policy policy,
                         dev.waygate.ratelimit.RateLimits rateLimits) {
        this(file, listen, dataDir, auth, allowedOrigins, maxBodyBytes, separator, pageSize, sessionIdle, servers,
                policy, rateLimits, AuditConfig.DEFAULTS, java.util.Optional.empty());
    }

    /** The name a client sees for an upstream's tool or prompt. */
    public String exposedName(ServerConfig server, String name) {
        return server.namespace().isEmpty() ? name : server.namespace() + separator + name;
    }
}
