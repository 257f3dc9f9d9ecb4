package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.audit.Audit;
import dev.waygate.audit.JournalFiles;
import dev.waygate.audit.JournalFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code audit.retention_days} on a real gateway process: journal files of earlier days (written
 * with the data directory's keys before it starts, as a gateway that ran on those days would have
 * left them) are removed at the first rotation into today, those within the period stay, and
 * {@code waygate audit verify} accepts what is left, saying which checkpoint anchors it. A middle
 * file removed by hand is still a missing file.
 */
class AuditRetentionIT {
    static final int RETENTION_DAYS = 3;
    static final int PER_DAY = 3;
    static final int BACKDATED_DAYS = 6;   // today-6 .. today-1

    @Test
    void expiredDaysAreRemovedAtRotationAndVerifyAnchorsTheRest() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare("""
                audit: { retention_days: %d }
                pinning: { mode: "off" }
                """.formatted(RETENTION_DAYS));
        Path data = p.config().dataDir();
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        GatewayProcess gw = null;
        try {
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            int written = JournalFixtures.writeDays(data, today.minusDays(BACKDATED_DAYS), BACKDATED_DAYS, PER_DAY);
            assertThat(JournalFiles.list(journal)).hasSize(BACKDATED_DAYS);

            gw = GatewayProcess.start(p, "audit-retention");
            assertThat(JournalFiles.list(journal)).as("nothing is removed before the first entry of the new day")
                    .hasSize(BACKDATED_DAYS);
            // An entry of today: an unauthenticated request is recorded (auth.failure), rotating into today's file.
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.mcpUrl()))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            gw.stop();

            List<JournalFiles.Name> left = JournalFiles.list(journal);
            LocalDate newest = left.getLast().day();   // today, as the gateway saw it
            assertThat(newest).isAfterOrEqualTo(today);
            LocalDate cutoff = newest.minusDays(RETENTION_DAYS);
            assertThat(left).as("days before %s are gone, every day from it on stays", cutoff)
                    .allSatisfy(n -> assertThat(n.day()).isAfterOrEqualTo(cutoff));
            long keptDays = left.stream().filter(n -> n.day().isBefore(newest)).count();
            long expectedKept = java.util.stream.Stream.iterate(today.minusDays(BACKDATED_DAYS), d -> d.plusDays(1))
                    .limit(BACKDATED_DAYS).filter(d -> !d.isBefore(cutoff)).count();
            assertThat(keptDays).isEqualTo(expectedKept);
            long removed = (BACKDATED_DAYS - expectedKept) * PER_DAY;
            assertThat(removed).isPositive();

            Cli.Exit v = Cli.run(Map.of(), "audit", "verify", data.toString());
            assertThat(v.code()).as(v.stdout() + v.stderr()).isZero();
            assertThat(v.stdout()).contains("result:      intact")
                    .contains("(seq " + (removed + 1) + "..")
                    .contains("anchor:      entry " + removed + ", checkpoint of ")
                    .contains("(audit-" + cutoff.minusDays(1) + ".jsonl and older files) were removed");
            assertThat(written).isEqualTo(BACKDATED_DAYS * PER_DAY);
            Cli.Exit told = Cli.run(Map.of(), "audit", "verify", "--retention-days", "" + RETENTION_DAYS, data.toString());
            assertThat(told.code()).as(told.stdout() + told.stderr()).isZero();

            // a middle file removed by hand (not by retention): the chain breaks at the next file
            Path middle = journal.resolve(left.get(1).file());
            Files.delete(middle);
            Cli.Exit damaged = Cli.run(Map.of(), "audit", "verify", data.toString());
            assertThat(damaged.code()).as(damaged.stdout()).isEqualTo(1);
            assertThat(damaged.stdout()).contains("DAMAGED: missing file at " + left.get(2).file() + ":1");
        } finally {
            if (gw != null) {
                gw.killIfAlive();
            }
            GatewayFixture.deleteTree(p.dir());
        }
    }
}
