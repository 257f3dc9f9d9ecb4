package dev.waygate.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealerTest {
    @TempDir
    Path dir;

    static final byte[] STATE = "{\"c\":\"abc\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void roundTripForTheSamePrincipalAndPurpose() {
        Sealer s = new Sealer(SealKey.loadOrCreate(dir));
        String blob = s.seal("mrtr", "alice", Duration.ofMinutes(1), STATE);
        assertThat(s.open("mrtr", "alice", blob)).isEqualTo(STATE);
        assertThat(blob).doesNotContain("abc");
    }

    @Test
    void anotherPrincipalOrPurposeIsRefused() {
        Sealer s = new Sealer(SealKey.loadOrCreate(dir));
        String blob = s.seal("mrtr", "alice", Duration.ofMinutes(1), STATE);
        assertThatThrownBy(() -> s.open("mrtr", "bob", blob)).isInstanceOf(SealException.class)
                .extracting(e -> ((SealException) e).reason()).isEqualTo(SealException.Reason.NOT_AUTHENTIC);
        assertThatThrownBy(() -> s.open("approval", "alice", blob)).isInstanceOf(SealException.class);
        assertThatThrownBy(() -> s.open("mrtr", "alice\0", blob)).isInstanceOf(SealException.class);
    }

    @Test
    void anExpiredBlobIsRefused() {
        SecretKey key = SealKey.loadOrCreate(dir);
        Instant t0 = Instant.parse("2026-11-22T00:00:00Z");
        String blob = new Sealer(key, Clock.fixed(t0, ZoneOffset.UTC)).seal("mrtr", "alice", Duration.ofSeconds(30), STATE);
        assertThat(new Sealer(key, Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC)).open("mrtr", "alice", blob)).isEqualTo(STATE);
        assertThatThrownBy(() -> new Sealer(key, Clock.fixed(t0.plusSeconds(31), ZoneOffset.UTC)).open("mrtr", "alice", blob))
                .isInstanceOf(SealException.class).extracting(e -> ((SealException) e).reason())
                .isEqualTo(SealException.Reason.EXPIRED);
    }

    @Test
    void everyFlippedBitIsRefused() {
        Sealer s = new Sealer(SealKey.loadOrCreate(dir));
        String blob = s.seal("mrtr", "alice", Duration.ofMinutes(1), STATE);
        byte[] raw = Base64.getUrlDecoder().decode(blob.substring(Sealer.PREFIX.length()));
        for (int i = 0; i < raw.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] t = raw.clone();
                t[i] ^= (byte) (1 << bit);
                String forged = Sealer.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(t);
                assertThatThrownBy(() -> s.open("mrtr", "alice", forged)).as("byte %d bit %d", i, bit)
                        .isInstanceOf(SealException.class);
            }
        }
    }

    @Test
    void anotherKeyIsRefusedAndTheSameKeyFileIsAccepted(@TempDir Path other) throws Exception {
        String blob = new Sealer(SealKey.loadOrCreate(dir)).seal("mrtr", "alice", Duration.ofMinutes(1), STATE);
        assertThatThrownBy(() -> new Sealer(SealKey.loadOrCreate(other)).open("mrtr", "alice", blob))
                .isInstanceOf(SealException.class);
        Path shared = other.resolve("shared");
        Files.createDirectories(shared);
        Files.copy(dir.resolve(SealKey.FILE), shared.resolve(SealKey.FILE));
        assertThat(new Sealer(SealKey.loadOrCreate(shared)).open("mrtr", "alice", blob)).isEqualTo(STATE);
    }

    @Test
    void malformedInputIsRefusedWithoutDecoding() {
        Sealer s = new Sealer(SealKey.loadOrCreate(dir));
        for (String bad : List.of("", "w1.", "w1.!!!!", "w1.AAAA", "x1." + "A".repeat(60), "w1." + "A".repeat(Sealer.MAX_BLOB_CHARS),
                "{\"c\":\"abc\"}", "w1." + Base64.getUrlEncoder().encodeToString(new byte[40]))) {
            assertThatThrownBy(() -> s.open("mrtr", "alice", bad)).as(bad.length() > 40 ? bad.substring(0, 40) : bad)
                    .isInstanceOf(SealException.class);
        }
    }

    @Test
    void theKeyFileIsOwnerOnlyAndStable() throws Exception {
        SecretKey a = SealKey.loadOrCreate(dir);
        SecretKey b = SealKey.loadOrCreate(dir);
        assertThat(a.getEncoded()).isEqualTo(b.getEncoded()).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(SealKey.FILE)))).isEqualTo("rw-------");
    }
}
