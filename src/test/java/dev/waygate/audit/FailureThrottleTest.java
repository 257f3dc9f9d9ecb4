package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureThrottleTest {
    @Test
    void aFloodIsCountedNotWrittenAndTheCountIsCarriedByTheNextEntry() {
        AtomicLong now = new AtomicLong();
        FailureThrottle t = new FailureThrottle(now::get);
        for (int i = 0; i < FailureThrottle.BURST; i++) {
            assertThat(t.admit("10.0.0.1")).isZero();
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(t.admit("10.0.0.1")).isEqualTo(-1);
        }
        assertThat(t.admit("10.0.0.2")).as("another address has its own budget").isZero();
        now.addAndGet(FailureThrottle.WINDOW_NANOS + 1);
        assertThat(t.admit("10.0.0.1")).as("the next window's first entry carries the count").isEqualTo(1000);
        assertThat(t.admit("10.0.0.1")).isZero();
    }
}
