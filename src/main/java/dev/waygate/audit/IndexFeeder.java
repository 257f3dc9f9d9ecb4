package dev.waygate.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds durable journal entries to the search index on a thread of its own, so that the journal
 * writer never waits for SQLite: the writer hands over each written batch and goes on to the next
 * fsync. Batches that queued up meanwhile are inserted together, in one transaction.
 *
 * <p>The index is derived from the journal, which is the record. First, on its thread, it indexes
 * what the journal holds and the index lacks ({@link AuditIndex#catchUp}: nothing, a few entries
 * after a crash, or everything when the index file was lost). When the index falls so far behind
 * that its queue is full (SQLite stalled for thousands of batches, or that first catch-up is long),
 * the batch is not queued — the call path is never held up by search — and those entries are read
 * back from the journal once the queue is empty.
 *
 * <p>A search first waits (briefly) for what was handed over before it began, so a client that
 * got its answer and then searches finds its own call.
 */
final class IndexFeeder implements Consumer<List<Journal.Sealed>>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexFeeder.class);
    static final int QUEUE_BATCHES = 1024;
    static final long LINGER_NANOS = 100_000_000L;
    static final long LINGER_STEP_NANOS = 10_000_000L;
    static final int LINGER_ROWS = 2048;
    /**
     * Queued by a search or by {@link #close} to end a wait on the queue at once (it carries no
     * entries); a linger is ended by unparking the thread.
     */
    private static final List<Journal.Sealed> WAKE = List.of();

    private final Consumer<List<Journal.Sealed>> index;
    private final Runnable catchUp;
    private final java.util.function.LongConsumer refill;
    /** The lowest sequence number of a batch not queued, or {@code Long.MAX_VALUE}. */
    private final java.util.concurrent.atomic.AtomicLong missedFrom = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    /** True while entries are read from the journal: searches wait for it (briefly) as for queued batches. */
    private volatile boolean catchingUp = true;
    private final BlockingQueue<List<Journal.Sealed>> queue = new ArrayBlockingQueue<>(QUEUE_BATCHES);
    private final Thread thread;
    private volatile boolean closing;
    /** The last sequence handed over, and the last one inserted (or given up on). */
    private volatile long submitted = -1;
    private volatile long indexed = -1;
    /** Searches waiting in {@link #drain}: while there are any, batches are not held back. */
    private final java.util.concurrent.atomic.AtomicInteger searchers = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param catchUp run first, on the feeder's thread: indexes the journal's entries the index lacks
     * @param refill  indexes the journal's entries from a sequence number on, after batches were not queued
     */
    IndexFeeder(Consumer<List<Journal.Sealed>> index, Runnable catchUp, java.util.function.LongConsumer refill) {
        this.index = index;
        this.catchUp = catchUp;
        this.refill = refill;
        this.thread = Thread.ofPlatform().daemon().name("audit-index").unstarted(this::run);
    }

    /**
     * Starts the thread, first catching up: once the journal is open (after a torn tail was cut and
     * its recovery entry written, which is not handed over as a batch), so the catch-up reads it.
     */
    IndexFeeder start() {
        thread.start();
        return this;
    }

    @Override
    public void accept(List<Journal.Sealed> batch) {
        submitted = batch.getLast().seq();
        if (!queue.offer(batch)) {
            if (missedFrom.getAndAccumulate(batch.getFirst().seq(), Math::min) == Long.MAX_VALUE) {
                LOG.warn("audit: the search index is behind; entries from {} on are indexed from the journal once it catches up",
                        batch.getFirst().seq());
            }
        }
    }

    private void run() {
        try {
            catchUp.run();
        } catch (RuntimeException e) {
            LOG.warn("audit: could not index the journal's entries that the search index lacks: {}", e.toString());
        } finally {
            catchingUp = false;
        }
        List<List<Journal.Sealed>> taken = new ArrayList<>();
        while (!closing || !queue.isEmpty()) {
            try {
                List<Journal.Sealed> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    refillMissed();
                    continue;
                }
                if (first.isEmpty()) {
                    continue;   // a wake-up with nothing lingering
                }
                taken.add(first);
                linger(taken, first.size());
                queue.drainTo(taken);
                List<Journal.Sealed> all = new ArrayList<>();
                taken.forEach(all::addAll);
                insert(all);
            } catch (InterruptedException e) {
                closing = true;
            } finally {
                taken.clear();
            }
        }
    }

    /**
     * Gathers more batches for one transaction, for at most {@link #LINGER_NANOS} or until
     * {@link #LINGER_ROWS}: a commit costs more than the rows it carries (it writes every page it
     * touched to the WAL; per row, batches of 512 cost ~15% less CPU than batches of 64, decision
     * 0028). Nobody waits for this but a search, which cuts it short ({@link #drain} unparks it).
     * It sleeps in steps of {@link #LINGER_STEP_NANOS} and takes what arrived at each: waiting on
     * the queue instead woke it for every batch the writer handed over, a few thousand times a
     * second under load, each a context switch on both sides.
     */
    private void linger(List<List<Journal.Sealed>> taken, int rows) {
        long until = System.nanoTime() + LINGER_NANOS;
        while (rows < LINGER_ROWS && !closing && searchers.get() == 0) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(this, Math.min(left, LINGER_STEP_NANOS));
            if (Thread.interrupted()) {
                closing = true;
                return;
            }
            int before = taken.size();
            queue.drainTo(taken);
            for (int i = before; i < taken.size(); i++) {
                rows += taken.get(i).size();
            }
        }
    }

    /** Reads back from the journal the entries of batches that were not queued. */
    private void refillMissed() {
        long from = missedFrom.getAndSet(Long.MAX_VALUE);
        if (from == Long.MAX_VALUE) {
            return;
        }
        catchingUp = true;
        try {
            refill.accept(from);
        } catch (RuntimeException e) {
            LOG.warn("audit: could not index the journal's entries from {} on: {}", from, e.toString());
        } finally {
            catchingUp = false;
        }
    }

    private void insert(List<Journal.Sealed> entries) {
        if (entries.isEmpty()) {
            return;
        }
        try {
            index.accept(entries);
        } catch (RuntimeException e) {
            LOG.warn("audit: the search index missed entries {}..{}: {}", entries.getFirst().seq(), entries.getLast().seq(),
                    e.getMessage());
        }
        indexed = entries.getLast().seq();
    }

    /** Waits (at most two seconds) until what was handed over so far is in the index. */
    void drain() {
        long target = submitted;
        long deadline = System.nanoTime() + 2_000_000_000L;
        searchers.incrementAndGet();
        queue.offer(WAKE);   // full: the feeder is not lingering
        LockSupport.unpark(thread);   // lingering: it sleeps, it does not wait on the queue
        try {
            while ((indexed < target || catchingUp) && thread.isAlive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            searchers.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closing = true;
        queue.offer(WAKE);
        LockSupport.unpark(thread);
        try {
            thread.join(java.time.Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
