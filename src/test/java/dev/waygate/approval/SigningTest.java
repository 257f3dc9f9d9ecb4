package dev.waygate.approval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A dashboard link verifies only for its own approval, unaltered and unexpired; the key file is owner-only. */
class SigningTest {
    @Test
    void linksAreBoundToTheirApprovalAndExpiry() throws Exception {
        Path dir = Files.createTempDirectory("signing");
        Signing s = Signing.loadOrCreate(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(Signing.FILE)))).isEqualTo("rw-------");
        Instant now = Instant.now();
        String q = s.linkQuery("ap_01", now.plusSeconds(60));
        String exp = q.replaceAll(".*exp=(\\d+).*", "$1");
        String sig = q.replaceAll(".*sig=([0-9a-f]+)$", "$1");
        assertThat(s.linkValid("ap_01", exp, sig, now)).isTrue();
        assertThat(s.linkValid("ap_02", exp, sig, now)).as("another approval").isFalse();
        assertThat(s.linkValid("ap_01", String.valueOf(Long.parseLong(exp) + 3600), sig, now)).as("extended").isFalse();
        assertThat(s.linkValid("ap_01", exp, sig, now.plusSeconds(61))).as("expired").isFalse();
        assertThat(s.linkValid("ap_01", exp, sig.replace(sig.charAt(0), sig.charAt(0) == 'a' ? 'b' : 'a'), now)).isFalse();
        assertThat(s.linkValid("ap_01", "1e9", sig, now)).isFalse();
        assertThat(s.linkValid("ap_01", exp, null, now)).isFalse();
        assertThat(Signing.loadOrCreate(dir).linkValid("ap_01", exp, sig, now)).as("same key after a restart").isTrue();
        assertThat(Signing.loadOrCreate(Files.createTempDirectory("other")).linkValid("ap_01", exp, sig, now)).isFalse();
    }
}
