package dev.waygate.audit;

import dev.waygate.mcp.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Builds writers and verifiers on a temporary data directory, as the gateway does. */
final class JournalSupport {
    private JournalSupport() {}

    static AuditWriter writer(Path dataDir, long maxFileBytes, int checkpointEvery, Journal.Opener opener) {
        AuditKeys keys = AuditKeys.loadOrCreate(dataDir);
        Journal j = new Journal(dataDir.resolve(Audit.JOURNAL_DIR), keys, "i-test", maxFileBytes, 0, Clock.systemUTC(), opener);
        return new AuditWriter(j, true, checkpointEvery, Duration.ofSeconds(10), s -> {});
    }

    /** As the gateway builds it, with a retention period and the clock its checkpoints are stamped by. */
    static AuditWriter writer(Path dataDir, int retentionDays, int checkpointEvery, Clock clock) {
        AuditKeys keys = AuditKeys.loadOrCreate(dataDir);
        Journal j = new Journal(dataDir.resolve(Audit.JOURNAL_DIR), keys, "i-test", 1 << 20, retentionDays, clock, FileChannel::open);
        return new AuditWriter(j, true, checkpointEvery, Duration.ofHours(1), s -> {});
    }

    /** An event of a given time (which decides the day's file it goes to). */
    static AuditEvent event(Instant time, int i) {
        return new AuditEvent(time, "c-" + i, "p-" + (i % 7), "tools/call", "srv__tool" + (i % 3),
                AuditEvent.Outcome.ALLOW, "", i % 100, "ok", Json.object().put("i", i));
    }

    static AuditWriter writer(Path dataDir) {
        return writer(dataDir, 1 << 20, 1000, FileChannel::open);
    }

    static AuditEvent event(int i) {
        return new AuditEvent(Instant.now(), "c-" + i, "p-" + (i % 7), "tools/call", "srv__tool" + (i % 3),
                i % 5 == 0 ? AuditEvent.Outcome.DENY : AuditEvent.Outcome.ALLOW, i % 5 == 0 ? "policy" : "", i % 100, "ok",
                Json.object().put("i", i).put("text", "argument " + i));
    }

    static VerifyReport verify(Path dataDir) throws IOException {
        return verify(dataDir, true);
    }

    /** With or without the HMAC key (public key only). */
    static VerifyReport verify(Path dataDir, boolean withHmac) throws IOException {
        AuditKeys keys = AuditKeys.loadOrCreate(dataDir);
        return verifyDir(dataDir.resolve(Audit.JOURNAL_DIR), keys, withHmac);
    }

    static VerifyReport verifyDir(Path journal, AuditKeys keys, boolean withHmac) throws IOException {
        return new Verifier(journal, withHmac ? Map.of(keys.hmacKeyId(), keys.hmacKey()) : Map.of(),
                Map.of(keys.signingKeyId(), keys.publicKey())).verify();
    }
}
