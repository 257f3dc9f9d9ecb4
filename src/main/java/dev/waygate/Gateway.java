package dev.waygate;

import dev.waygate.approval.ApprovalStage;
import dev.waygate.approval.Approvals;
import dev.waygate.audit.Audit;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.IdentifyStage;
import dev.waygate.auth.KeyStore;
import dev.waygate.auth.TokenVerifier;
import dev.waygate.config.GatewayConfig;
import dev.waygate.front.HttpFront;
import dev.waygate.pin.ToolPins;
import dev.waygate.pipeline.Stage;
import dev.waygate.policy.PolicySnapshot;
import dev.waygate.policy.PolicyStage;
import dev.waygate.ratelimit.RateLimitStage;
import dev.waygate.reload.ConfigWatcher;
import dev.waygate.reload.LivePolicy;
import dev.waygate.router.Router;
import dev.waygate.store.Database;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Everything {@code waygate serve} runs, assembled from one validated configuration. */
public final class Gateway implements AutoCloseable {
    private final GatewayConfig config;
    private final Database db;
    private final Audit audit;
    private final Router router;
    private final HttpFront http;
    private final LivePolicy policy;
    private final RateLimitStage rateLimits = new RateLimitStage();
    private final ToolPins pins;
    private final Approvals approvals;
    /** The approvals' own database when {@code approvals.store} names one (shared by instances). */
    private final Optional<Database> approvalsDb;
    private final dev.waygate.metrics.Metrics metrics = new dev.waygate.metrics.Metrics();
    private final Optional<dev.waygate.egress.Egress> egress;
    private Optional<ConfigWatcher> watcher = Optional.empty();
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("housekeeping").factory());

    public Gateway(GatewayConfig config) {
        this.config = config;
        if (config.policy().rules().isEmpty() && config.policy().defaultEffect() == dev.waygate.policy.Effect.DENY) {
            org.slf4j.LoggerFactory.getLogger(Gateway.class).warn(
                    "policy: no rules, so every call is denied; add a policy section to {}", config.file());
        }
        this.db = Database.open(config.dataDir());
        try {
            this.audit = Audit.open(config.dataDir(), config.audit(), db);   // refuses a journal another process writes
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        KeyStore keys = new KeyStore(db);
        if (config.auth() == GatewayConfig.AuthMode.API_KEY && keys.isEmpty()) {
            // No default secrets: the first start makes the first admin key and shows it once.
            KeyStore.Created admin = keys.create("admin", java.util.Set.of("admin"), java.util.Optional.empty());
            System.err.println("waygate: first start: created admin key " + admin.key()
                    + " (role admin; shown once, only its hash is stored)");
        }
        Authenticator auth = new Authenticator(config.auth(), keys, config.oauth().map(TokenVerifier::new));
        this.policy = new LivePolicy(config);
        this.pins = new ToolPins(config, db, audit);
        this.approvalsDb = config.approvals().store().map(Database::open);
        this.approvals = Approvals.open(config.approvals(), approvalsDb.orElse(db), audit, instanceName(config));
        Stage approvalStage = new ApprovalStage(approvals, new dev.waygate.audit.Redactor(config.audit().redactFields()),
                new dev.waygate.seal.Sealer(dev.waygate.seal.SealKey.loadOrCreate(config.dataDir())));
        this.router = new Router(config, beforeRoute(List.of(audit.stage(new dev.waygate.metrics.CallMetrics(metrics)))), afterRoute(policy, audit, rateLimits, approvalStage),
                () -> policy.get().policy(), pins);
        audit.bindMetrics(metrics);
        dev.waygate.approval.Signing signing = dev.waygate.approval.Signing.loadOrCreate(config.dataDir());
        dev.waygate.approval.Webhooks webhooks = new dev.waygate.approval.Webhooks(config.approvals().webhooks(), signing,
                () -> config.approvals().dashboardUrl().map(Object::toString)
                        .orElse("http://" + config.listen().host() + ":" + port() + "/dashboard/"));
        approvals.onNew(webhooks::announce);
        this.egress = config.egress().map(e -> new dev.waygate.egress.Egress(e, auth, audit, metrics, dev.waygate.net.Resolver.SYSTEM));
        egress.ifPresent(g -> policy.onValidConfig(next -> next.egress().map(g::reload).orElse(false)));
        this.http = new HttpFront(config, router, auth, keys, audit, policy, pins, approvals, webhooks, signing, metrics, egress);
        router.auditUpstreamEvents(audit::record);
        policy.onReload(this::reloaded);
    }

    /**
     * The stages before routing, in order: they need no target. Audit comes first so that every
     * outcome, including a failed identification, is recorded.
     */
    public static List<Stage> beforeRoute(List<Stage> audit) {
        List<Stage> stages = new java.util.ArrayList<>(audit);
        stages.add(new IdentifyStage());
        return List.copyOf(stages);
    }

    /** Every reload is audited; one that changed the policy tells clients to list again. */
    private void reloaded(dev.waygate.reload.ReloadResult r) {
        String outcome = r.outcome().name().toLowerCase(java.util.Locale.ROOT);
        audit.record(dev.waygate.audit.Events.configReload(outcome, r.trigger(), String.valueOf(config.file()),
                r.inForce().version(), r.inForce().digest(), r.restartNeeded(), r.error()));
        if (r.outcome() == dev.waygate.reload.ReloadResult.Outcome.APPLIED) {
            router.policyChanged();
        }
    }

    /**
     * The stages that judge a routed call, in order: policy, guards (their findings go to
     * {@code audit}), rate limits, approval. The policy stage reads {@code policy} once per call; the stages
     * after it use that snapshot.
     */
    public static List<Stage> afterRoute(Supplier<PolicySnapshot> policy, dev.waygate.audit.AuditLog audit, Stage approval) {
        return afterRoute(policy, audit, new RateLimitStage(), approval);
    }

    static List<Stage> afterRoute(Supplier<PolicySnapshot> policy, dev.waygate.audit.AuditLog audit, RateLimitStage rateLimits,
                                  Stage approval) {
        return List.of(new PolicyStage(policy),
                new dev.waygate.guard.GuardStage(dev.waygate.net.Resolver.SYSTEM, audit, dev.waygate.guard.GuardSettings.DEFAULTS),
                rateLimits, approval);
    }

    public void start() throws Exception {
        if (egress.isPresent()) {
            egress.get().start(); // first: sandboxed servers with network: egress (and install steps) use it as they start
        }
        // The upstreams (sandbox check, processes, handshakes, first lists) start while Jetty does.
        var upstreams = java.util.concurrent.CompletableFuture.runAsync(router::start,
                r -> Thread.ofPlatform().name("start-upstreams").start(r));
        Exception failed = null;
        try {
            http.start();
        } catch (Exception e) {
            failed = e;
        }
        try {
            upstreams.join(); // also after a failure: close() then stops every upstream that started
        } catch (java.util.concurrent.CompletionException e) {
            Exception cause = e.getCause() instanceof Exception x ? x : e;
            if (failed == null) {
                failed = cause;
            } else {
                failed.addSuppressed(cause);
            }
        }
        if (failed != null) {
            throw failed;
        }
        housekeeping.scheduleAtFixedRate(router::expireIdle, 1, 1, TimeUnit.MINUTES);
        housekeeping.scheduleAtFixedRate(rateLimits::evictFull, 1, 1, TimeUnit.MINUTES);
        housekeeping.scheduleWithFixedDelay(this::syncPins, 1, 1, TimeUnit.SECONDS); // approvals made by the CLI
        housekeeping.scheduleWithFixedDelay(this::expireApprovals, 5, 5, TimeUnit.SECONDS);
        if (config.watchConfig()) {
            watcher = Optional.of(ConfigWatcher.start(this::watchedFiles, () -> policy.reload("file")));
        }
    }

    /** The configuration file and the egress rules file in force, if any: what the watcher watches. */
    private List<java.nio.file.Path> watchedFiles() {
        List<java.nio.file.Path> files = new java.util.ArrayList<>(List.of(config.file()));
        egress.flatMap(g -> g.rules().file()).ifPresent(files::add);
        return files;
    }

    /** Retried approvals (2026-07-28 clients) past their deadline whose client never came back. */
    private void expireApprovals() {
        try {
            approvals.expireDue();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Gateway.class).warn("approvals: could not expire due approvals: {}", e.getMessage());
        }
    }

    /** Stable across restarts, distinct per data directory: names this instance's rows in a shared approval store. */
    private static String instanceName(GatewayConfig config) {
        String where = config.dataDir().toAbsolutePath().normalize().toString();
        try {
            where = java.net.InetAddress.getLocalHost().getHostName() + ":" + where;
        } catch (java.io.IOException e) {
            // the path alone
        }
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(where.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void syncPins() {
        try {
            pins.sync();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Gateway.class).warn("tool pinning: could not read approvals: {}", e.getMessage());
        }
    }

    /** Tool pinning: pins, approvals, shadowing. */
    public ToolPins pins() {
        return pins;
    }

    /** The policy in force, and its reload. */
    public LivePolicy policy() {
        return policy;
    }

    public int port() {
        return http.port();
    }

    /** The egress proxy, when the configuration has an {@code egress} section. */
    public Optional<dev.waygate.egress.Egress> egress() {
        return egress;
    }

    /** The metrics registry served at {@code /metrics}. */
    public dev.waygate.metrics.Metrics metrics() {
        return metrics;
    }

    public Router router() {
        return router;
    }

    public GatewayConfig config() {
        return config;
    }

    public Approvals approvals() {
        return approvals;
    }

    public Audit audit() {
        return audit;
    }

    @Override
    public void close() throws Exception {
        if (watcher.isPresent()) {
            watcher.get().close();
        }
        housekeeping.shutdownNow();
        http.close();
        if (egress.isPresent()) {
            egress.get().close();
        }
        router.stop();
        dev.waygate.upstream.StartAhead.discard(config); // processes started ahead that no upstream took over
        audit.close();
        approvalsDb.ifPresent(Database::close);
        db.close();
    }
}
