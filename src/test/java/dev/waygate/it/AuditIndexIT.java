package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.Audit;
import dev.waygate.audit.JournalFiles;
import dev.waygate.audit.JournalFixtures;
import dev.waygate.auth.KeyStore;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The audit search index (decision 0028) on a real gateway process with server-everything: after
 * calls that rotate the journal by size and a retention that removes earlier days, {@code GET /audit}
 * returns exactly the journal's lines; with {@code audit-index.db} deleted, {@code waygate audit
 * reindex} rebuilds it (and {@code waygate audit search} finds everything), and so does the next start.
 */
class AuditIndexIT {
    static final int RETENTION_DAYS = 3;

    @Test
    void searchReturnsTheJournalsLinesAfterRotationRetentionLossAndReindex() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare("""
                audit: { retention_days: %d, max_file_bytes: 4096 }
                pinning: { mode: "off" }
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(RETENTION_DAYS, GatewayFixture.everything()));
        Path data = p.config().dataDir();
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        String config = p.file().toString();
        String admin;
        try (Database db = Database.open(data)) {
            admin = new KeyStore(db).create("auditor", Set.of("admin"), Optional.empty()).key();
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        JournalFixtures.writeDays(data, today.minusDays(6), 6, 3);   // days an earlier gateway wrote: not indexed yet
        GatewayProcess gw = null;
        try {
            gw = GatewayProcess.start(p, "audit-index-1");
            McpSession mcp = new McpSession(gw.mcpUrl(), p.key());
            for (int i = 0; i < 25; i++) {
                assertThat(mcp.callRaw("everything__echo", "{\"message\":\"call " + i + "\"}").statusCode()).isEqualTo(200);
            }
            List<JournalFiles.Name> files = JournalFiles.list(journal);
            assertThat(files).as("retention removed the days before today-%d", RETENTION_DAYS)
                    .allSatisfy(n -> assertThat(n.day()).isAfterOrEqualTo(files.getLast().day().minusDays(RETENTION_DAYS)));
            assertThat(files.stream().filter(n -> n.day().equals(files.getLast().day()))).as("today's rotated by size").hasSizeGreaterThan(2);

            List<String> lines = journalLines(journal);
            assertThat(search(gw, admin, "limit=10000")).as("every line of the journal, as written").containsExactlyElementsOf(lines);
            List<String> echoes = lines.stream().filter(l -> l.contains("\"target\":\"everything__echo\"")).toList();
            assertThat(echoes).hasSize(25);
            assertThat(search(gw, admin, "tool=everything__echo&decision=allow&limit=5"))
                    .containsExactlyElementsOf(echoes.subList(20, 25));
            gw.stop();

            Database.deleteIndexFiles(data);
            Cli.Exit reindex = Cli.run(Map.of(), "audit", "reindex", "--config", config);
            assertThat(reindex.code()).as(reindex.stdout() + reindex.stderr()).isZero();
            assertThat(reindex.stdout()).contains(files.getLast().file() + ": ")
                    .contains("reindexed:   " + lines.size() + " entries from " + files.size() + " journal files");
            Cli.Exit found = Cli.run(Map.of(), "audit", "search", "--config", config, "--limit", "10000");
            assertThat(found.code()).as(found.stderr()).isZero();
            assertThat(found.stdout().lines().toList()).containsExactlyElementsOf(lines);

            Database.deleteIndexFiles(data);
            gw = GatewayProcess.start(p, "audit-index-2");
            List<String> afterStart = search(gw, admin, "limit=10000");
            assertThat(afterStart).as("rebuilt from the journal at start").containsExactlyElementsOf(journalLines(journal));
            assertThat(afterStart).containsAll(lines);

            // The journal edited under the running gateway (every line of the oldest file one byte
            // later): a search fails with a clear 503 naming what to run, not a 500 or another entry.
            Path oldest = journal.resolve(JournalFiles.list(journal).getFirst().file());
            Files.writeString(oldest, " " + Files.readString(oldest));
            HttpResponse<String> r = McpSession.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/audit?limit=10000"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            JsonNode error = Json.parse(r.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("audit_index_mismatch");
            assertThat(error.path("message").asText()).contains(oldest.getFileName().toString()).contains("waygate audit reindex");
            gw.stop();
            Cli.Exit mismatch = Cli.run(Map.of(), "audit", "search", "--config", config, "--limit", "10000");
            assertThat(mismatch.code()).as(mismatch.stdout()).isEqualTo(1);
            assertThat(mismatch.stderr()).contains("does not match the journal").contains("waygate audit reindex");
        } finally {
            if (gw != null) {
                gw.killIfAlive();
            }
            GatewayFixture.deleteTree(p.dir());
        }
    }

    /** {@code GET /audit?...&format=jsonl}: the lines as written. */
    static List<String> search(GatewayProcess gw, String admin, String query) throws Exception {
        HttpResponse<String> r = McpSession.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/audit?format=jsonl&" + query))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().lines().toList();
    }

    static List<String> journalLines(Path journal) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (JournalFiles.Name n : JournalFiles.list(journal)) {
            out.addAll(Files.readAllLines(journal.resolve(n.file()), StandardCharsets.UTF_8));
        }
        out.forEach(l -> {
            try {
                Json.parse(l);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + l, e);
            }
        });
        return out;
    }
}
