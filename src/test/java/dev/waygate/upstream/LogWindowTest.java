package dev.waygate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogWindowTest {
    @Test
    void atMostMaxPerWindowAndTheRestReportedWhenTheNextStarts() {
        AtomicLong now = new AtomicLong(1_000);
        LogWindow w = new LogWindow(3, 100, now::get);
        List<Integer> reports = new ArrayList<>();
        int admitted = 0;
        for (int i = 0; i < 50; i++) {
            admitted += w.admit(reports::add) ? 1 : 0;
        }
        assertThat(admitted).as("first window").isEqualTo(3);
        assertThat(reports).as("nothing reported inside the window").isEmpty();

        now.addAndGet(101);
        assertThat(w.admit(reports::add)).isTrue();
        assertThat(reports).as("the dropped ones, once").containsExactly(47);
        assertThat(w.admit(reports::add)).isTrue();
        assertThat(reports).hasSize(1);

        now.addAndGet(101);
        assertThat(w.admit(reports::add)).isTrue();
        assertThat(reports).as("a window that dropped nothing reports nothing").hasSize(1);
    }
}
