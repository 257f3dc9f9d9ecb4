package dev.waygate.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
    private static Pending pending(long id, long deadline) {
        return new Pending(id, "tools/call", new CompletableFuture<JsonNode>(), Optional.empty(), Optional.empty(), 0, deadline);
    }

    @Test
    void everyUpstreamIsWatchedEvenWhileTheirRequestMapsAreEqual() {
        Map<Long, Pending> a = new ConcurrentHashMap<>();
        Map<Long, Pending> b = new ConcurrentHashMap<>();
        Deadlines.watch(a);
        Deadlines.watch(b);   // empty, so equal to a: must still be watched
        Deadlines.forget(a);
        try {
            long now = System.nanoTime();   // the sweeper thread also runs, on the real clock
            Pending late = pending(1, now - 1);
            Pending early = pending(2, now + 3_600_000_000_000L);
            b.put(1L, late);
            b.put(2L, early);
            Deadlines.sweep(now);
            assertThatThrownBy(() -> late.response().get()).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
            assertThat(early.response()).isNotDone();
            Deadlines.sweep(now + 3_600_000_000_000L);
            assertThat(early.response()).isCompletedExceptionally();
        } finally {
            Deadlines.forget(b);
        }
    }

    @Test
    void aForgottenUpstreamIsNoLongerSwept() {
        Map<Long, Pending> a = new ConcurrentHashMap<>();
        Deadlines.watch(a);
        Deadlines.forget(a);
        long now = System.nanoTime();
        Pending p = pending(1, now - 1);
        a.put(1L, p);
        Deadlines.sweep(now);
        assertThat(p.response()).isNotDone();
    }

    @Test
    void anAnsweredRequestIsLeftAlone() {
        Map<Long, Pending> a = new ConcurrentHashMap<>();
        Deadlines.watch(a);
        try {
            long now = System.nanoTime();
            Pending p = pending(1, now - 1);
            p.response().complete(null);
            a.put(1L, p);
            Deadlines.sweep(now);
            assertThat(p.response()).isCompletedWithValue(null);
        } finally {
            Deadlines.forget(a);
        }
    }
}
