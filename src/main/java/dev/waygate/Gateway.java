package dev.waygate;

import dev.waygate.audit.Audit;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.IdentifyStage;
import dev.waygate.auth.KeyStore;
import dev.waygate.config.GatewayConfig;
import dev.waygate.front.HttpFront;
import dev.waygate.router.Router;
import dev.waygate.store.Database;
import java.util.List;
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
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("housekeeping").factory());

    public Gateway(GatewayConfig config) {
        this.config = config;
        this.db = Database.open(config.dataDir());
        this.audit = Audit.open(config.dataDir(), config.audit(), db);
        Authenticator auth = new Authenticator(config.auth(), new KeyStore(db));
        this.router = new Router(config, pipelineStages(audit));
        this.http = new HttpFront(config, router, auth, audit);
    }

    /**
     * The stages before routing, in order. Audit comes first so that every outcome, including a
     * failed identification, is recorded. Policy, guards, rate limits and approval are added here.
     */
    static List<dev.waygate.pipeline.Stage> pipelineStages(Audit audit) {
        return List.of(audit.stage(), new IdentifyStage());
    }

    public void start() throws Exception {
        router.start();
        http.start();
        housekeeping.scheduleAtFixedRate(router::expireIdle, 1, 1, TimeUnit.MINUTES);
    }

    public int port() {
        return http.port();
    }

    public Router router() {
        return router;
    }

    public GatewayConfig config() {
        return config;
    }

    public Audit audit() {
        return audit;
    }

    @Override
    public void close() throws Exception {
        housekeeping.shutdownNow();
        http.close();
        router.stop();
        audit.close();
        db.close();
    }
}
