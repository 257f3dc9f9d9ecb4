package dev.waygate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Database#transaction} next to another process writing the same file (the CLI next to a
 * running gateway): a transaction that reads before it writes must not fail because the other one
 * wrote in between (SQLITE_BUSY_SNAPSHOT of a deferred transaction in WAL mode); it waits instead.
 */
class DatabaseTransactionTest {
    @TempDir
    Path data;

    @Test
    void aTransactionThatReadsFirstSurvivesAConcurrentWriter() throws Exception {
        try (Database gateway = Database.open(data); Database cli = Database.open(data)) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                int i = 0;
                while (!stop.get()) {
                    int n = i++;
                    gateway.with(c -> {
                        try (PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO api_keys(id, name, roles, hash, created_at) VALUES (?, 'g', '', 'h', 't')")) {
                            ps.setString(1, "g" + n);
                            return ps.executeUpdate();
                        }
                    });
                }
            });
            try {
                for (int i = 0; i < 200; i++) {
                    int n = i;
                    cli.transaction(c -> {
                        long before;
                        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM api_keys");
                             ResultSet rs = ps.executeQuery()) {
                            before = rs.getLong(1);
                        }
                        try {
                            Thread.sleep(1);   // the other writer commits here
                        } catch (InterruptedException e) {
                            throw new java.sql.SQLException(e);
                        }
                        try (PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO api_keys(id, name, roles, hash, created_at) VALUES (?, 'c', '', 'h', 't')")) {
                            ps.setString(1, "c" + n);
                            ps.executeUpdate();
                        }
                        return before;
                    });
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            long mine = cli.with(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM api_keys WHERE name = 'c'");
                     ResultSet rs = ps.executeQuery()) {
                    return rs.getLong(1);
                }
            });
            assertThat(mine).isEqualTo(200);
        }
    }
}
