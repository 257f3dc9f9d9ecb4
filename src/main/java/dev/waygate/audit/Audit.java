package dev.waygate.audit;

import dev.waygate.config.AuditConfig;
import dev.waygate.store.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log of one gateway: keys, journal, group-commit writer, search index and pipeline
 * stage, assembled from the {@code audit:} configuration. The journal lives in
 * {@code <data_dir>/audit/}, the keys in {@code <data_dir>/audit-keys/}.
 */
public final class Audit implements AuditLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Audit.class);
    public static final String JOURNAL_DIR = "audit";

    private final AuditWriter writer;
    private final IndexFeeder feeder;
    private final AuditIndex index;
    private final Redactor redactor;
    private final String instance;
    private final FailureThrottle failures = new FailureThrottle();
    private final Database indexDb;
    private final PendingEvents pending;
    private final java.util.concurrent.ScheduledExecutorService pendingDrain;

    private Audit(AuditWriter writer, IndexFeeder feeder, AuditIndex index, Database indexDb, Redactor redactor, String instance,
                  PendingEvents pending) {
        this.writer = writer;
        this.indexDb = indexDb;
        this.feeder = feeder;
        this.index = index;
        this.redactor = redactor;
        this.instance = instance;
        this.pending = pending;
        this.pendingDrain = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("audit-pending").factory());
    }

    /** Events the CLI queued in the store: appended at start (before the first call), then every {@link #PENDING_EVERY}. */
    static final java.time.Duration PENDING_EVERY = java.time.Duration.ofSeconds(1);

    private void startPendingDrain() {
        drainPending();
        pendingDrain.scheduleWithFixedDelay(this::drainPending, PENDING_EVERY.toMillis(), PENDING_EVERY.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Appends the queued events of other processes; what cannot be written now stays queued for the next try. */
    void drainPending() {
        try {
            int n = pending.drain(writer::recordDurably);
            if (n > 0) {
                LOG.info("audit: recorded {} event(s) queued by the CLI", n);
            }
        } catch (AuditUnavailableException | dev.waygate.store.StoreException e) {
            LOG.debug("audit: queued events stay queued: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("audit: could not record queued events: {}", e.toString());
        }
    }

    public static Audit open(Path dataDir, AuditConfig config, Database db) {
        return open(dataDir, config, db, java.nio.channels.FileChannel::open);
    }

    static Audit open(Path dataDir, AuditConfig config, Database db, Journal.Opener opener) {
        AuditKeys keys = AuditKeys.loadOrCreate(dataDir);
        String instance = "i-" + Correlation.generate().substring(0, 8);
        Journal journal = new Journal(dataDir.resolve(JOURNAL_DIR), keys, instance, config.maxFileBytes(),
                config.retentionDays(), Clock.systemUTC(), opener);
        try {
            journal.lock();
        } catch (JournalLock.JournalInUseException e) {
            // Two writers would interleave two chains: the second one does not start at all.
            throw new AuditUnavailableException(e.getMessage());
        } catch (java.io.IOException e) {
            // any other failure: the writer fails closed and retries, as when the journal breaks later
        }
        Database indexDb = Database.openIndex(dataDir, true);   // damaged: replaced, and rebuilt by the catch-up
        Path journalDir = dataDir.resolve(JOURNAL_DIR);
        AuditIndex store = new AuditIndex(indexDb, journalDir);
        IndexFeeder feeder = new IndexFeeder(store::insert, () -> catchUp(store, -1), from -> catchUp(store, from));
        AuditIndex index = new AuditIndex(indexDb, journalDir, feeder::drain);
        AuditWriter writer = new AuditWriter(journal, config.mode() == AuditConfig.Mode.DURABLE, config.checkpointEvery(),
                config.checkpointInterval(), feeder);
        LOG.info("audit: journal {} ({} mode), instance {}, keys {} / {}", dataDir.resolve(JOURNAL_DIR),
                config.mode().name().toLowerCase(), instance, keys.hmacKeyId(), keys.signingKeyId());
        feeder.start();
        Audit audit = new Audit(writer, feeder, index, indexDb, new Redactor(config.redactFields()), instance, new PendingEvents(db));
        audit.startPendingDrain();
        return audit;
    }

    /** Indexes what the journal holds and the index lacks: after its newest row, or from {@code from} on. */
    private static void catchUp(AuditIndex index, long from) {
        long start = System.nanoTime();
        try {
            long n = from < 0 ? index.catchUp(IndexRebuild.Progress.NONE) : index.catchUpFrom(from, IndexRebuild.Progress.NONE);
            if (n > 0) {
                LOG.info("audit: indexed {} journal entries the search index lacked, in {} ms", n, (System.nanoTime() - start) / 1_000_000);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void record(AuditEvent event) {
        writer.record(event);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> recordLater(AuditEvent event) {
        return writer.recordLater(event);
    }

    @Override
    public Optional<String> unavailable() {
        return writer.unavailable();
    }

    /** The first pipeline stage. */
    public AuditStage stage() {
        return stage(dev.waygate.metrics.CallMetrics.NONE);
    }

    /** The first pipeline stage, counting every call's outcome. */
    public AuditStage stage(dev.waygate.metrics.CallMetrics calls) {
        return new AuditStage(writer, redactor, calls);
    }

    /** The journal's meters ({@link AuditWriter#bind}), registered when the registry is made. */
    public void bindMetrics(dev.waygate.metrics.Metrics metrics) {
        metrics.onRegistry(writer::bind);
    }

    public AuditIndex index() {
        return index;
    }

    public String instance() {
        return instance;
    }

    /** Records a request refused with 401; a failure to record does not change the answer (it is a refusal already). */
    @Override
    public void authenticationFailed(String path, boolean presented, String remote) {
        long suppressed = failures.admit(remote);
        if (suppressed < 0) {
            return; // counted; the next entry recorded for this address carries the count
        }
        try {
            writer.record(Events.authFailure(path, presented, remote, suppressed));
        } catch (AuditUnavailableException e) {
            LOG.warn("audit: could not record an authentication failure on {}: {}", path, e.getMessage());
        }
    }

    @Override
    public void close() {
        pendingDrain.shutdown();   // a drain under way finishes: interrupted between append and delete, it would append twice
        try {
            pendingDrain.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
        feeder.close();
        indexDb.close();
    }
}
