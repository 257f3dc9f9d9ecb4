package dev.waygate.bench;

import dev.waygate.auth.KeyStore;
import dev.waygate.auth.Principal;
import dev.waygate.store.Database;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link KeyStore#authenticate} on the real SQLite store (WAL, synchronous=FULL) holding 10,000
 * keys, for valid keys, a valid id with a wrong secret, and an unknown id; against the hash and
 * constant-time compare alone (what the lookup has to do even with the row in memory).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class KeyLookupBench {
    private static final int KEYS = 10_000;
    private static final int USED = 1024;

    private Path dir;
    private Database db;
    private KeyStore store;
    private final String[] valid = new String[USED];
    private final String[] wrongSecret = new String[USED];
    private final String[] unknownId = new String[USED];
    private final byte[][] storedHash = new byte[USED][];
    private int i;

    @Setup(Level.Trial)
    public void setup() {
        dir = Fixtures.tempDir("waygate-bench-keys");
        db = Database.open(dir.resolve("data"));
        store = new KeyStore(db);
        // One transaction for the 10,000 inserts (the lock is re-entrant): set-up in a second, not 10,000 fsyncs.
        db.with(c -> {
            c.setAutoCommit(false);
            for (int k = 0; k < KEYS; k++) {
                String key = store.create("agent-" + k, Set.of("dev", "team-" + (k % 50)), Optional.empty()).key();
                if (k % (KEYS / USED) == 0 && k / (KEYS / USED) < USED) {
                    int j = k / (KEYS / USED);
                    valid[j] = key;
                    storedHash[j] = sha256Hex(key);
                    char last = key.charAt(key.length() - 1);
                    wrongSecret[j] = key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A');
                    unknownId[j] = "wg_zzzz" + String.format("%06d", j).substring(0, 6).replace('0', 'q') + key.substring(13);
                }
            }
            c.commit();
            c.setAutoCommit(true);
            return null;
        });
        for (int j = 0; j < USED; j++) {
            if (store.authenticate(valid[j]).isEmpty() || store.authenticate(wrongSecret[j]).isPresent()
                    || store.authenticate(unknownId[j]).isPresent()) {
                throw new IllegalStateException("key fixtures are not what the benchmark expects: " + j);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        db.close();
        Fixtures.delete(dir);
    }

    private int next() {
        return i = (i + 1) & (USED - 1);
    }

    @Benchmark
    public Optional<Principal> authenticate_valid() {
        return store.authenticate(valid[next()]);
    }

    @Benchmark
    public Optional<Principal> authenticate_wrongSecret() {
        return store.authenticate(wrongSecret[next()]);
    }

    @Benchmark
    public Optional<Principal> authenticate_unknownId() {
        return store.authenticate(unknownId[next()]);
    }

    /** SHA-256 of the presented key, hex as stored, compared in constant time: KeyStore's own steps, no store. */
    @Benchmark
    public boolean baseline_hashAndCompare() {
        int j = next();
        return MessageDigest.isEqual(sha256Hex(valid[j]), storedHash[j]);
    }

    private static byte[] sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)))
                    .getBytes(StandardCharsets.US_ASCII);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
