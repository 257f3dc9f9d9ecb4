package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention ({@code audit.retention_days}): at the rotation into a new day, files of days before
 * {@code day - N} are removed, after the checkpoint that ends the previous file; the rest verifies,
 * anchored by that checkpoint. The day of an entry is its own time (UTC), so the journal here is
 * written over ten days in a moment; the injectable clock stamps the checkpoints.
 */
class RetentionTest {
    static final LocalDate TODAY = LocalDate.of(2026, 11, 20);
    static final Clock CLOCK = Clock.fixed(TODAY.atTime(12, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    static final int PER_DAY = 5;

    @TempDir
    Path data;

    Path journal() {
        return data.resolve(Audit.JOURNAL_DIR);
    }

    @Test
    void removesOnlyDaysBeforeThePeriodAndTheRestVerifiesFromTheAnchoringCheckpoint() throws Exception {
        int n = 0;
        List<Instant> written = new ArrayList<>();
        try (AuditWriter w = JournalSupport.writer(data, 3, 1000, CLOCK)) {
            for (int d = 9; d >= 1; d--) {
                for (int i = 0; i < PER_DAY; i++) {
                    Instant t = TODAY.minusDays(d).atTime(8 + i, 0).toInstant(ZoneOffset.UTC);
                    w.record(JournalSupport.event(t, ++n));
                    written.add(t);
                }
            }
            assertThat(JournalFiles.list(journal())).hasSize(4);   // days -4..-1 so far (the rotation into -1 removed -5 and older)
            Instant removalTime = TODAY.atStartOfDay().toInstant(ZoneOffset.UTC);
            w.record(JournalSupport.event(TODAY.minusDays(1).atTime(23, 59).toInstant(ZoneOffset.UTC), ++n));
            w.record(JournalSupport.event(removalTime, ++n));   // the rotation into today
        }

        List<String> files = JournalFiles.list(journal()).stream().map(JournalFiles.Name::file).toList();
        assertThat(files).as("days older than 3 before today are gone; days within the window all stay")
                .containsExactly(file(3), file(2), file(1), file(0));

        List<JsonNode> entries = entries();
        Instant cutoff = TODAY.atStartOfDay().toInstant(ZoneOffset.UTC).minus(Duration.ofDays(3));
        assertThat(entries).allSatisfy(e -> assertThat(Instant.parse(e.path("time").asText())).isAfterOrEqualTo(cutoff));
        long kept = written.stream().filter(t -> !t.isBefore(cutoff)).count() + 2;
        assertThat(entries).as("every entry within the window is still there").hasSize((int) kept);
        long firstKept = entries.getFirst().path("seq").asLong();
        assertThat(firstKept).isEqualTo(6L * PER_DAY + 1);   // days -9..-4 removed

        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as("%s at %s: %s", r.damage(), r.location(), r.detail()).isTrue();
        assertThat(r.firstSeq()).isEqualTo(firstKept);
        assertThat(r.lastSeq()).isEqualTo(n);
        assertThat(r.entries()).isEqualTo(n - firstKept + 1);
        assertThat(r.anchor()).as("the checkpoint written when the last removed file was closed").get()
                .satisfies(a -> {
                    assertThat(a.seq()).isEqualTo(firstKept - 1);
                    assertThat(a.file()).isEqualTo(file(4));
                    assertThat(a.verify(AuditKeys.loadOrCreate(data).publicKey())).isTrue();
                });
        assertThat(r.lastCheckpoint()).get().extracting(Checkpoint::seq).isEqualTo((long) n);
        assertThat(r.lastCheckpointAt()).isEqualTo(file(0) + ":1");
        assertThat(JournalSupport.verify(data, false).intact()).as("with the public key only").isTrue();

        assertThat(verifier().retentionDays(3).verify().intact()).as("told the retention period").isTrue();
        VerifyReport none = verifier().retentionDays(0).verify();
        assertThat(none.damage()).as("told there is no retention").contains(VerifyReport.Damage.MISSING_FILE);
        assertThat(none.location()).isEqualTo(file(3) + ":1");

        // The oldest file kept, removed by hand: a signed checkpoint anchors what is left, as after
        // retention. Told the period, the verifier knows retention would not have removed it.
        Files.delete(journal().resolve(file(3)));
        VerifyReport byHand = JournalSupport.verify(data);
        assertThat(byHand.intact()).isTrue();
        assertThat(byHand.anchor()).get().extracting(Checkpoint::file).isEqualTo(file(3));
        VerifyReport told = verifier().retentionDays(3).verify();
        assertThat(told.damage()).contains(VerifyReport.Damage.MISSING_FILE);
        assertThat(told.location()).isEqualTo(file(2) + ":1");
        assertThat(told.detail()).contains("removes only files of days before " + TODAY.minusDays(3));
    }

    private Verifier verifier() {
        AuditKeys keys = AuditKeys.loadOrCreate(data);
        return new Verifier(journal(), java.util.Map.of(keys.hmacKeyId(), keys.hmacKey()),
                java.util.Map.of(keys.signingKeyId(), keys.publicKey()));
    }

    @Test
    void aMiddleFileDeletedByHandIsAMissingFileEvenWithRetention() throws Exception {
        int n = 0;
        try (AuditWriter w = JournalSupport.writer(data, 3, 1000, CLOCK)) {
            for (int d = 6; d >= 0; d--) {
                for (int i = 0; i < PER_DAY; i++) {
                    w.record(JournalSupport.event(TODAY.minusDays(d).atTime(8 + i, 0).toInstant(ZoneOffset.UTC), ++n));
                }
            }
        }
        assertThat(JournalSupport.verify(data).intact()).isTrue();
        Files.delete(journal().resolve(file(2)));
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.damage()).contains(VerifyReport.Damage.MISSING_FILE);
        assertThat(r.location()).isEqualTo(file(1) + ":1");
        assertThat(r.detail()).contains("between " + file(3) + " and " + file(1));
    }

    @Test
    void nothingIsRemovedWhenTheCheckpointBeforeTheRemovalCannotBeWritten() throws Exception {
        int n = 0;
        try (AuditWriter w = JournalSupport.writer(data, 0, 1000, CLOCK)) {   // written before retention was configured
            for (int d = 9; d >= 1; d--) {
                w.record(JournalSupport.event(TODAY.minusDays(d).atTime(9, 0).toInstant(ZoneOffset.UTC), ++n));
            }
        }
        List<JournalFiles.Name> before = JournalFiles.list(journal());
        assertThat(before).hasSize(9);
        try (AuditWriter w = JournalSupport.writer(data, 3, 1000, CLOCK)) {
            w.record(JournalSupport.event(TODAY.minusDays(1).atTime(10, 0).toInstant(ZoneOffset.UTC), ++n));
            // The checkpoint file is replaced (same content, another file): the rotation's checkpoint fails.
            Path cps = journal().resolve(JournalFiles.CHECKPOINTS);
            Path copy = data.resolve("copy");
            Files.copy(cps, copy);
            Files.move(copy, cps, StandardCopyOption.REPLACE_EXISTING);
            int next = ++n;
            assertThatThrownBy(() -> w.record(JournalSupport.event(TODAY.atTime(0, 5).toInstant(ZoneOffset.UTC), next)))
                    .isInstanceOf(AuditUnavailableException.class);
            assertThat(JournalFiles.list(journal())).as("no file removed without the checkpoint that anchors the rest")
                    .isEqualTo(before);

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (w.unavailable().isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(w.unavailable()).isEmpty();
            w.record(JournalSupport.event(TODAY.atTime(0, 6).toInstant(ZoneOffset.UTC), next));
        }
        assertThat(JournalFiles.list(journal()).stream().map(JournalFiles.Name::file))
                .containsExactly(file(3), file(2), file(1), file(0));
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as("%s at %s: %s", r.damage(), r.location(), r.detail()).isTrue();
        assertThat(r.firstSeq()).isEqualTo(7);
        assertThat(r.anchor()).get().extracting(Checkpoint::seq).isEqualTo(6L);
        assertThat(r.lastSeq()).isEqualTo(n);
    }

    /**
     * Rotation creates the next file, then retention removes the old ones; a crash (or a full disk)
     * before the first entry reaches the new file leaves only empty files and the checkpoint. The
     * journal is then anchored by that checkpoint: the verifier accepts it and the gateway goes on
     * from it (it used to refuse to open the journal, failing closed for good).
     */
    @Test
    void onlyAnEmptyFileLeftAfterRetentionIsAnchoredByTheCheckpointAndWrittenOn() throws Exception {
        int n = 0;
        try (AuditWriter w = JournalSupport.writer(data, 0, 1000, CLOCK)) {
            for (int d = 5; d >= 3; d--) {
                w.record(JournalSupport.event(TODAY.minusDays(d).atTime(9, 0).toInstant(ZoneOffset.UTC), ++n));
            }
        }
        // what the rotation into today did before the crash: the new file, then the removals
        Files.createFile(journal().resolve(file(0)));
        for (int d = 5; d >= 3; d--) {
            Files.delete(journal().resolve(file(d)));
        }
        VerifyReport empty = JournalSupport.verify(data);
        assertThat(empty.intact()).as("%s at %s: %s", empty.damage(), empty.location(), empty.detail()).isTrue();
        assertThat(empty.entries()).isZero();
        assertThat(empty.emptyFiles()).isEqualTo(1);
        assertThat(empty.anchor()).get().extracting(Checkpoint::seq).isEqualTo(3L);

        try (AuditWriter w = JournalSupport.writer(data, 1, 1000, CLOCK)) {
            assertThat(w.unavailable()).as("the journal opens").isEmpty();
            w.record(JournalSupport.event(TODAY.atTime(0, 1).toInstant(ZoneOffset.UTC), ++n));
        }
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as("%s at %s: %s", r.damage(), r.location(), r.detail()).isTrue();
        assertThat(r.firstSeq()).isEqualTo(4);
        assertThat(r.lastSeq()).isEqualTo(4);
        assertThat(r.emptyFiles()).isZero();

        // the same empty file after a checkpoint that names it is not retention but entries cut off
        Files.writeString(journal().resolve(file(0)), "");
        VerifyReport cut = JournalSupport.verify(data);
        assertThat(cut.damage()).contains(VerifyReport.Damage.TRUNCATED);
    }

    /**
     * A crash right after a rotation (by size or day) created the next file leaves it empty, with the
     * last entries in the file before. The checkpoint written when the journal is opened again names
     * the file that holds the entry it signs, not the empty one; the verifier reports the empty file.
     */
    @Test
    void aCheckpointNamesTheFileOfItsEntryNotAnEmptyNewerOne() throws Exception {
        try (AuditWriter w = JournalSupport.writer(data, 0, 1000, CLOCK)) {
            for (int i = 1; i <= 3; i++) {
                w.record(JournalSupport.event(TODAY.atTime(9, i).toInstant(ZoneOffset.UTC), i));
            }
            // a crash: entries since the last checkpoint, no final checkpoint (it fails: its file was replaced)
            Path cps = journal().resolve(JournalFiles.CHECKPOINTS);
            Files.copy(cps, data.resolve("copy"));
            Files.move(data.resolve("copy"), cps, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createFile(journal().resolve("audit-" + TODAY + ".1.jsonl"));
        try (AuditWriter w = JournalSupport.writer(data, 0, 1000, CLOCK)) {
            assertThat(w.unavailable()).isEmpty();
        }
        List<String> cps = Files.readAllLines(journal().resolve(JournalFiles.CHECKPOINTS));
        JsonNode last = Json.parse(cps.getLast());
        assertThat(last.path("seq").asLong()).isEqualTo(3);
        assertThat(last.path("file").asText()).isEqualTo(file(0));
        VerifyReport r = JournalSupport.verify(data);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.files()).isEqualTo(2);
        assertThat(r.emptyFiles()).isEqualTo(1);
        assertThat(r.lastCheckpointAt()).isEqualTo(file(0) + ":3");
    }

    static String file(int daysAgo) {
        return "audit-" + TODAY.minusDays(daysAgo) + ".jsonl";
    }

    private List<JsonNode> entries() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (JournalFiles.Name f : JournalFiles.list(journal())) {
            for (String line : Files.readAllLines(journal().resolve(f.file()))) {
                out.add(Json.parse(line));
            }
        }
        return out;
    }
}
