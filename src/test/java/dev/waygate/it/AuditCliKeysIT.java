package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.Audit;
import dev.waygate.audit.JournalFiles;
import dev.waygate.audit.PendingEvents;
import dev.waygate.auth.KeyStore;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code waygate keys create|revoke|rotate} in their own processes, next to a running gateway
 * process on the same data directory and while none runs: every change is in the audit journal
 * (found by {@code GET /audit} and {@code waygate audit search}) within seconds, or right after the
 * next start; with the key's prefix only, never the key; and the journal verifies.
 */
class AuditCliKeysIT {
    static final Duration WITHIN = Duration.ofSeconds(15);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void cliKeyLifecycleIsAuditedByTheGatewayRunningOrNot() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare("pinning: { mode: \"off\" }\n");
        Path data = p.config().dataDir();
        String admin;
        try (Database db = Database.open(data)) {
            admin = new KeyStore(db).create("auditor-1", Set.of("admin"), Optional.empty()).key();
        }
        String config = p.file().toString();
        List<String> secrets = new ArrayList<>();
        GatewayProcess gw = null;
        try {
            // 1. the gateway runs
            gw = GatewayProcess.start(p, "audit-cli-keys-1");
            Cli.Exit created = Cli.run(Map.of(), "keys", "create", "ops-bot", "--role", "dev", "--config", config);
            assertThat(created.code()).as(created.stderr()).isZero();
            String k1 = created.stdout().strip();
            secrets.add(secret(k1));
            String p1 = prefix(k1);
            Cli.Exit revoked = Cli.run(Map.of(), "keys", "revoke", p1, "--config", config);
            assertThat(revoked.code()).as(revoked.stderr()).isZero();

            long t0 = System.nanoTime();
            List<JsonNode> seen = awaitActions(gw, admin, p1, 2);
            System.out.printf("AuditCliKeysIT: CLI key events in /audit %d ms after the revoke exited%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(seen).extracting(e -> e.path("action").asText()).containsExactly("key.create", "key.revoke");
            JsonNode create = seen.getFirst();
            assertThat(create.path("principal").asText()).startsWith("cli:");
            assertThat(create.path("reason").asText()).isEqualTo("cli");
            assertThat(create.path("decision").asText()).isEqualTo("allow");
            assertThat(create.path("args").path("name").asText()).isEqualTo("ops-bot");
            assertThat(create.path("args").path("roles").toString()).isEqualTo("[\"dev\"]");
            assertThat(create.path("args").has("occurred_at")).isTrue();

            Cli.Exit search = Cli.run(Map.of(), "audit", "search", "--config", config, "--tool", p1);
            assertThat(search.code()).as(search.stderr()).isZero();
            assertThat(search.stdout().lines().map(l -> parse(l).path("action").asText()).toList())
                    .containsExactly("key.create", "key.revoke");
            gw.stop();

            // 2. no gateway runs: the changes are queued, not lost
            Cli.Exit late = Cli.run(Map.of(), "keys", "create", "night-bot", "--config", config);
            assertThat(late.code()).as(late.stderr()).isZero();
            String k2 = late.stdout().strip();
            secrets.add(secret(k2));
            String p2 = prefix(k2);
            Cli.Exit rotated = Cli.run(Map.of(), "keys", "rotate", p2, "--grace", "1h", "--config", config);
            assertThat(rotated.code()).as(rotated.stderr()).isZero();
            String k3 = rotated.stdout().strip();
            secrets.add(secret(k3));
            assertThat(journalText(data)).as("nothing in the journal while no gateway runs").doesNotContain(p2);
            try (Database db = Database.open(data)) {
                assertThat(new PendingEvents(db).count()).isEqualTo(2);
            }

            gw = GatewayProcess.start(p, "audit-cli-keys-2");
            // appended when the journal is opened, before the gateway serves: the first look finds them
            List<JsonNode> after = actions(gw, admin, p2);
            assertThat(after).extracting(e -> e.path("action").asText()).containsExactly("key.create", "key.rotate");
            assertThat(after.get(1).path("args").path("new_key").asText()).isEqualTo(prefix(k3));
            gw.stop();
            try (Database db = Database.open(data)) {
                assertThat(new PendingEvents(db).count()).as("done once durable").isZero();
            }

            String all = journalText(data);
            for (String s : secrets) {
                assertThat(all).as("the journal never holds a key").doesNotContain(s);
            }
            assertThat(all).contains(p1, p2, prefix(k3));
            Cli.Exit v = Cli.run(Map.of(), "audit", "verify", data.toString());
            assertThat(v.code()).as(v.stdout() + v.stderr()).isZero();
            assertThat(v.stdout()).contains("result:      intact");
        } finally {
            if (gw != null) {
                gw.killIfAlive();
            }
            GatewayFixture.deleteTree(p.dir());
        }
    }

    static String prefix(String key) {
        return key.substring(0, 13);
    }

    static String secret(String key) {
        assertThat(key).matches("wg_[a-z0-9]{10}_[A-Za-z0-9_-]{43}");
        return key.substring(14);
    }

    static JsonNode parse(String line) {
        try {
            return Json.parse(line);
        } catch (java.io.IOException e) {
            throw new AssertionError(line, e);
        }
    }

    /** The entries naming this key, from GET /audit, oldest first. */
    static List<JsonNode> actions(GatewayProcess gw, String admin, String prefix) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/audit?tool=" + prefix))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        Json.parse(r.body()).path("entries").forEach(out::add);
        return out;
    }

    static List<JsonNode> awaitActions(GatewayProcess gw, String admin, String prefix, int count) throws Exception {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        List<JsonNode> seen = actions(gw, admin, prefix);
        while (seen.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(200);
            seen = actions(gw, admin, prefix);
        }
        return seen;
    }

    static String journalText(Path data) throws java.io.IOException {
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        StringBuilder b = new StringBuilder();
        if (Files.isDirectory(journal)) {
            for (JournalFiles.Name n : JournalFiles.list(journal)) {
                b.append(Files.readString(journal.resolve(n.file())));
            }
        }
        return b.toString();
    }
}
