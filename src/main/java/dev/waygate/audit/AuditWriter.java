package dev.waygate.audit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: callers on any number of (virtual) threads queue events; one writer thread takes
 * whatever is queued as a batch, writes it, forces it with one fsync, then releases every caller of
 * the batch. Durable mode: {@link #record} returns after that fsync. Async mode: it returns at once.
 * <p>When writing fails, every caller of the batch gets {@link AuditUnavailableException} and the
 * journal is marked unavailable; the writer re-opens it from disk every {@link #RETRY} (and on the
 * next batch) and is available again as soon as that works.
 * <p>Checkpoints (every {@code checkpointEvery} entries, or after {@code checkpointInterval} with
 * news) are signed and forced on a thread of their own, {@code audit-checkpoint}: an Ed25519
 * signature and a second fsync took 3–5 ms, and every call queued behind them waited that long.
 * The writer hands over the head of a forced batch; the checkpoint thread signs the latest one it
 * was handed (several handed over meanwhile make one checkpoint). A checkpoint that cannot be
 * written makes the journal unavailable at the writer's next batch, as a failed write does. At
 * rotation and at close the checkpoint is still written on the writer's thread, in line.
 */
public final class AuditWriter implements AuditLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    static final int MAX_BATCH = 4096;
    static final int QUEUE_CAPACITY = 65_536;
    static final Duration RETRY = Duration.ofSeconds(1);
    private static final long IDLE_POLL_MS = 200;

    private record Pending(Journal.Prepared entry, CompletableFuture<Void> done) {}

    private final Journal journal;
    private final boolean durable;
    private final int checkpointEvery;
    private final long checkpointIntervalNanos;
    private final Consumer<List<Journal.Sealed>> index;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread thread;
    private volatile String problem;
    private volatile boolean closing;
    /** Set when the writer thread ends, for whatever reason, before it fails what is left. */
    private volatile boolean stopped;
    private boolean open;
    private long lastAttempt;
    /** The last head handed to the checkpoint thread (writer's thread only). */
    private long handedOver = -1;
    private final AtomicReference<Journal.Head> checkpointDue = new AtomicReference<>();
    private volatile IOException checkpointFailure;
    private volatile boolean checkpointsStop;
    private final Thread checkpointThread;
    /** For {@code /metrics} ({@link #bind}). */
    private final LongAdder entries = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder forceNanos = new LongAdder();

    AuditWriter(Journal journal, boolean durable, int checkpointEvery, Duration checkpointInterval,
                Consumer<List<Journal.Sealed>> index) {
        this.journal = journal;
        this.durable = durable;
        this.checkpointEvery = checkpointEvery;
        this.checkpointIntervalNanos = checkpointInterval.toNanos();
        this.index = index;
        reopen();
        this.checkpointThread = Thread.ofPlatform().daemon().name("audit-checkpoint").start(this::checkpoints);
        this.thread = Thread.ofPlatform().daemon().name("audit-writer").start(this::run);
    }

    @Override
    public void record(AuditEvent event) {
        if (closing) {
            throw new AuditUnavailableException("the audit log is shutting down");
        }
        String p = problem;
        if (p != null) {
            throw new AuditUnavailableException(p);
        }
        // Serialised here, on the caller's thread: the one writer thread only chains, MACs and writes.
        Pending pending = new Pending(Journal.Prepared.of(event), new CompletableFuture<>());
        try {
            queue.put(pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditUnavailableException("interrupted while queueing an audit entry");
        }
        failLeftIfStopped();
        if (durable) {
            await(pending);
        }
    }

    /**
     * Queues the event and returns its batch's future at once (see {@link AuditLog#recordLater}):
     * no thread waits for the fsync. Serialised on the caller's thread, like {@link #record}; if the
     * queue is full, a virtual thread waits for room so that the caller (an I/O thread) never blocks.
     */
    @Override
    public CompletableFuture<Void> recordLater(AuditEvent event) {
        if (closing) {
            return CompletableFuture.failedFuture(new AuditUnavailableException("the audit log is shutting down"));
        }
        String p = problem;
        if (p != null) {
            return CompletableFuture.failedFuture(new AuditUnavailableException(p));
        }
        Pending pending = new Pending(Journal.Prepared.of(event), new CompletableFuture<>());
        if (!queue.offer(pending)) {
            Thread.ofVirtual().name("audit-queue-full").start(() -> {
                try {
                    queue.put(pending);
                    failLeftIfStopped();
                } catch (InterruptedException e) {
                    pending.done().completeExceptionally(new AuditUnavailableException("interrupted while queueing an audit entry"));
                }
            });
        }
        failLeftIfStopped();
        return pending.done();
    }

    /**
     * Records the events and returns once every one is on disk, in either mode: for events whose
     * source forgets them once recorded ({@link PendingEvents}). They share one group commit.
     */
    void recordDurably(List<AuditEvent> events) {
        if (closing) {
            throw new AuditUnavailableException("the audit log is shutting down");
        }
        String p = problem;
        if (p != null) {
            throw new AuditUnavailableException(p);
        }
        List<Pending> all = new ArrayList<>(events.size());
        for (AuditEvent e : events) {
            Pending pending = new Pending(Journal.Prepared.of(e), new CompletableFuture<>());
            try {
                queue.put(pending);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new AuditUnavailableException("interrupted while queueing an audit entry");
            }
            all.add(pending);
        }
        failLeftIfStopped();
        all.forEach(this::await);
    }

    /**
     * Untimed: every queued entry is completed, by the writer or, once it has stopped, by whoever sees
     * that ({@link #failLeftIfStopped}). A timed wait would cost a timer task per call on a virtual thread.
     */
    private void await(Pending pending) {
        try {
            pending.done().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AuditUnavailableException u ? u : new AuditUnavailableException(e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditUnavailableException("interrupted while waiting for the audit entry to be written");
        }
    }

    /**
     * An entry queued after the writer's last look at the queue would wait forever: the writer sets
     * {@code stopped} before that look, so whoever queued after it sees the flag and fails the rest.
     */
    private void failLeftIfStopped() {
        if (stopped) {
            List<Pending> left = new ArrayList<>();
            queue.drainTo(left);
            fail("the audit writer has stopped", left);
        }
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.ofNullable(problem);
    }

    private void run() {
        try {
            loop();
        } finally {
            stopped = true;
            failLeftIfStopped();
        }
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        while (!closing || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    idle();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                closing = true;
            } catch (RuntimeException e) {
                LOG.error("audit writer: unexpected failure", e);
                fail(e.toString(), batch);
            } catch (Error e) {
                fail("the audit writer has stopped: " + e, batch);
                throw e;
            } finally {
                batch.clear();
            }
        }
        stopCheckpoints();
        try {
            journal.close();   // the final checkpoint when open; releases the journal's lock in any case
        } catch (IOException e) {
            LOG.error("audit: could not write the final checkpoint: {}", e.getMessage());
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        fail("the audit log is shutting down", left);
    }

    private void write(List<Pending> batch) {
        List<Journal.Prepared> events = new ArrayList<>(batch.size());
        batch.forEach(p -> events.add(p.entry()));
        List<Journal.Sealed> sealed;
        takeCheckpointFailure();
        try {
            if (!open && !reopen()) {
                fail(problem, batch);
                return;
            }
            sealed = journal.appendPrepared(events);
            long forcing = System.nanoTime();
            journal.force();
            forceNanos.add(System.nanoTime() - forcing);
            batches.increment();
            entries.add(batch.size());
        } catch (IOException | RuntimeException e) {
            fail(broken(e), batch);
            return;
        }
        // Handed to the index before the callers are released: a caller that searches once answered
        // must find its own entry (the search waits for what was handed over before it began).
        try {
            index.accept(sealed);
        } catch (RuntimeException e) {
            LOG.warn("audit: the search index missed entries {}..{}: {}", sealed.getFirst().seq(), sealed.getLast().seq(), e.getMessage());
        }
        batch.forEach(p -> p.done().complete(null));
        if (uncheckpointed() >= checkpointEvery) {
            handOverCheckpoint();
        }
    }

    private void idle() {
        takeCheckpointFailure();
        if (!open) {
            if (System.nanoTime() - lastAttempt >= RETRY.toNanos()) {
                reopen();
            }
        } else if (uncheckpointed() > 0 && journal.nanosSinceCheckpoint() >= checkpointIntervalNanos) {
            handOverCheckpoint();
        }
    }

    /** Entries neither checkpointed nor handed to the checkpoint thread yet (writer's thread). */
    private long uncheckpointed() {
        return journal.seq() - Math.max(Math.max(journal.checkpointSeq(), handedOver), 0);
    }

    /** Hands the head of what is forced to the checkpoint thread (writer's thread). */
    private void handOverCheckpoint() {
        Journal.Head h = journal.head();
        handedOver = h.seq();
        checkpointDue.set(h);
        LockSupport.unpark(checkpointThread);
    }

    /** On the writer's thread: a checkpoint that failed breaks the journal as a failed write does. */
    private void takeCheckpointFailure() {
        IOException e = checkpointFailure;
        if (e != null) {
            checkpointFailure = null;
            if (open) {
                broken(e);
            }
        }
    }

    /** The checkpoint thread: signs and forces the latest head handed over, until stopped. */
    private void checkpoints() {
        while (true) {
            Journal.Head h = checkpointDue.getAndSet(null);
            if (h == null) {
                if (checkpointsStop) {
                    return;
                }
                LockSupport.park(this);
                continue;
            }
            try {
                journal.checkpoint(h);
            } catch (IOException | RuntimeException e) {
                checkpointFailure = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
    }

    /** Lets the checkpoint thread finish what it was handed, before the final checkpoint in line. */
    private void stopCheckpoints() {
        checkpointsStop = true;
        LockSupport.unpark(checkpointThread);
        try {
            checkpointThread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Opens the journal from what is on disk; records a cut torn tail. */
    private boolean reopen() {
        lastAttempt = System.nanoTime();
        checkpointFailure = null;   // about the files being replaced
        try {
            JournalTail tail = journal.open();
            open = true;
            handedOver = -1;
            if (problem != null) {
                LOG.warn("audit: the journal is writable again; calls are accepted");
            }
            problem = null;
            if (tail.tornBytes() > 0) {
                LOG.warn("audit: cut a partial last line ({} bytes) from {}: a write interrupted by a crash, never acknowledged",
                        tail.tornBytes(), tail.tornFile());
                journal.append(List.of(Events.recovered(tail)));
                journal.force();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            broken(e);
            return false;
        }
    }

    private String broken(Exception e) {
        journal.abandon();
        open = false;
        String reason = "cannot write the audit journal: " + (e.getMessage() == null ? e.toString() : e.getMessage());
        if (!reason.equals(problem)) {
            LOG.error("audit: {}; calls are refused until it can be written", reason);
        }
        problem = reason;
        return reason;
    }

    private static void fail(String reason, List<Pending> batch) {
        AuditUnavailableException e = new AuditUnavailableException(reason);
        batch.forEach(p -> p.done().completeExceptionally(e));
    }

    /**
     * The journal's meters: {@code waygate_audit_entries_total}, {@code waygate_audit_batches_total}
     * (entries per batch is their ratio: how much group commit shares each fsync),
     * {@code waygate_audit_fsync_seconds_count/_sum}, {@code waygate_audit_checkpoint_seq} and
     * {@code waygate_audit_available} (1, or 0 while calls are refused because it cannot be written).
     */
    void bind(MeterRegistry r) {
        FunctionCounter.builder("waygate.audit.entries", entries, LongAdder::sum)
                .description("audit entries written and forced (the call path's and every other)").register(r);
        FunctionCounter.builder("waygate.audit.batches", batches, LongAdder::sum)
                .description("group commits: one write and one fsync each").register(r);
        FunctionTimer.builder("waygate.audit.fsync", this, w -> w.batches.sum(), w -> w.forceNanos.sum(), TimeUnit.NANOSECONDS)
                .description("time in fsync of the journal, per group commit").register(r);
        Gauge.builder("waygate.audit.checkpoint.seq", journal, Journal::checkpointSeq)
                .description("sequence number of the last signed checkpoint").register(r);
        Gauge.builder("waygate.audit.available", this, w -> w.problem == null ? 1 : 0)
                .description("1 while the journal can be written; 0 while calls are refused (audit_unavailable)").register(r);
    }

    /** Writes what is queued, a final checkpoint, and stops. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
