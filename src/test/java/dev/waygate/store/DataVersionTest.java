package dev.waygate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Database#dataVersion} shares one query among concurrent callers; a caller must still see
 * every commit another connection made before it called (what keeps the key cache's revocation exact).
 */
class DataVersionTest {
    @TempDir
    Path data;

    @Test
    void aCommitBeforeTheCallIsAlwaysSeenWhileOthersShareTheQuery() throws Exception {
        try (Database gateway = Database.open(data); Database cli = Database.open(data)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong shared = new AtomicLong();
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                readers.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        gateway.dataVersion();
                        shared.incrementAndGet();
                    }
                }));
            }
            try {
                long before = gateway.dataVersion();
                for (int i = 0; i < 300; i++) {
                    int n = i;
                    cli.with(c -> {
                        try (PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO api_keys(id, name, roles, hash, created_at) VALUES (?, 'c', '', 'h', 't')")) {
                            ps.setString(1, "c" + n);
                            return ps.executeUpdate();
                        }
                    });
                    long after = gateway.dataVersion();
                    assertThat(after).as("commit %d made before the call", n).isNotEqualTo(before);
                    before = after;
                }
            } finally {
                stop.set(true);
                for (Thread t : readers) {
                    t.join();
                }
            }
            assertThat(shared.get()).isPositive();
        }
    }

    @Test
    void withABoundACommitMadeLongerAgoThanTheBoundIsSeen() throws Exception {
        long bound = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);
        try (Database gateway = Database.open(data); Database cli = Database.open(data)) {
            long before = gateway.dataVersion(bound);
            assertThat(gateway.recentDataVersion(bound)).hasValue(before);
            cli.with(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO api_keys(id, name, roles, hash, created_at) VALUES ('cli', 'c', '', 'h', 't')")) {
                    return ps.executeUpdate();
                }
            });
            Thread.sleep(java.time.Duration.ofNanos(bound).plusMillis(1));

            assertThat(gateway.recentDataVersion(bound)).as("the last read is older than the bound").isEmpty();
            assertThat(gateway.dataVersion(bound)).isNotEqualTo(before);
        }
    }

    @Test
    void ownCommitsLeaveItAlone() throws Exception {
        try (Database gateway = Database.open(data)) {
            long before = gateway.dataVersion();
            gateway.with(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO api_keys(id, name, roles, hash, created_at) VALUES ('own', 'g', '', 'h', 't')")) {
                    return ps.executeUpdate();
                }
            });
            assertThat(gateway.dataVersion()).isEqualTo(before);
        }
    }
}
