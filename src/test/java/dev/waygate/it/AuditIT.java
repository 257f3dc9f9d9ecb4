package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.AuditKeys;
import dev.waygate.audit.Correlation;
import dev.waygate.audit.JournalFiles;
import dev.waygate.audit.Verifier;
import dev.waygate.audit.VerifyReport;
import dev.waygate.audit.VerifyReport.Damage;
import dev.waygate.cli.Main;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real gateway with server-everything writes the journal through real calls (allowed, unknown
 * tool, tool error, bad key); then the verifier checks it, and each kind of tampering on a copy of
 * it is found with the right kind and location.
 */
class AuditIT {
    static final String SECRET = "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB";
    static Path data;
    static Path work;
    static AuditKeys keys;
    static List<HttpResponse<String>> rejected = new ArrayList<>();
    static JsonNode unknownTool;
    static List<String> audited;

    @BeforeAll
    static void writeAJournal() throws Exception {
        GatewayFixture gw = GatewayFixture.start("""
                audit: { max_file_bytes: 4096, checkpoint_every: 5, redact_fields: [ticket] }
                guards: { secrets: report }   # let the token through to the upstream: this tests the audit's own redaction
                pinning: { mode: "off" }      # the journal holds only this test's calls (no first-sight pin entries)
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(GatewayFixture.everything()));
        try {
            gw.awaitReady(Duration.ofSeconds(60));
            JsonNode out = NodeClient.http(gw.mcpUrl(), gw.key(), """
                    [{"op":"callTool","name":"everything__echo","arguments":{"message":"hello","api_key":"%s"}},
                     {"op":"callTool","name":"everything__echo","arguments":{"message":"token %s","ticket":"T-1"}},
                     {"op":"callTool","name":"everything__no_such_tool","arguments":{}}]""".formatted(SECRET, SECRET));
            NodeClient.result(out, 0);
            McpSession mcp = new McpSession(gw.mcpUrl(), gw.key());
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = mcp.callRaw("everything__echo", "{\"message\":\"call " + i + "\"}");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue(Correlation.RESPONSE_HEADER)).get().asString().hasSizeGreaterThan(8);
            }
            unknownTool = mcp.call("everything__nope", "{}");
            for (String header : List.of("", "my-correlation-0001")) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.mcpUrl())).header("Content-Type", "application/json")
                        .header("Authorization", "Bearer wg_aaaaaaaaaa_" + "A".repeat(43))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"));
                if (!header.isEmpty()) {
                    b.header(Correlation.REQUEST_HEADER, header);
                }
                rejected.add(McpSession.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
            }
            HttpResponse<String> forbidden = McpSession.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base()
                    + "/audit?tool=everything__nope&decision=deny")).header("Authorization", "Bearer " + gw.key()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(forbidden.statusCode()).as("a principal without admin or auditor role reads no audit log").isEqualTo(403);
            String auditor = gw.createKey("auditor-1", "auditor");
            HttpResponse<String> search = McpSession.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base()
                    + "/audit?tool=everything__nope&decision=deny")).header("Authorization", "Bearer " + auditor).build(),
                    HttpResponse.BodyHandlers.ofString());
            audited = List.of(search.body());
            gw.gateway().close();
            work = Files.createTempDirectory("waygate-audit-it");
            data = work.resolve("data");
            copy(gw.gateway().config().dataDir(), data);
        } finally {
            gw.close();
        }
        keys = AuditKeys.loadOrCreate(data);
    }

    @AfterAll
    static void clean() throws Exception {
        GatewayFixture.deleteTree(work);
    }

    @Test
    void everyOutcomeIsRecordedWithoutSecrets() throws Exception {
        String all = readJournal(data.resolve("audit"));
        assertThat(all).doesNotContain(SECRET).doesNotContain("T-1").contains("[REDACTED]");
        assertThat(all).contains("\"action\":\"tools/call\",\"target\":\"everything__echo\",\"decision\":\"allow\",\"reason\":\"\"");
        assertThat(all).contains("\"target\":\"everything__no_such_tool\",\"decision\":\"deny\",\"reason\":\"unknown_tool\"");
        assertThat(all).contains("\"action\":\"auth.failure\",\"target\":\"/mcp\",\"decision\":\"deny\",\"reason\":\"unauthenticated\"");
        assertThat(all).contains("\"correlation_id\":\"my-correlation-0001\"");
        // what the client sees is unchanged: invalid params, no extra data
        assertThat(unknownTool.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(unknownTool.path("error").has("data")).isFalse();
        assertThat(rejected.get(0).statusCode()).isEqualTo(401);
        assertThat(rejected.get(1).headers().firstValue(Correlation.RESPONSE_HEADER)).contains("my-correlation-0001");
        JsonNode found = Json.parse(audited.getFirst());
        assertThat(found.path("count").asInt()).isEqualTo(1);
        assertThat(found.path("entries").get(0).path("reason").asText()).isEqualTo("unknown_tool");
    }

    @Test
    void theJournalVerifiesWithTheCliAndWithThePublicKeyOnly() throws Exception {
        VerifyReport r = verify(data, true);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.files()).isGreaterThanOrEqualTo(4);
        assertThat(r.entries()).isGreaterThanOrEqualTo(36);
        assertThat(r.lastCheckpoint()).get().extracting(c -> c.seq()).isEqualTo(r.lastSeq());
        assertThat(Main.run("audit", "verify", data.resolve("audit").toString())).isZero();
        assertThat(Main.run("audit", "verify", data.toString())).isZero();
        Path copy = tampered(d -> {});
        GatewayFixture.deleteTree(copy.resolve(AuditKeys.DIR));
        assertThat(Main.run("audit", "verify", copy.resolve("audit").toString(), "--public-key",
                data.resolve(AuditKeys.DIR).resolve(AuditKeys.PUBLIC_FILE).toString())).isZero();
    }

    @Test
    void anEditedByteIsModified() throws Exception {
        Path d = tampered(j -> editLine(j, 1, 3, l -> l.replace("\"principal\":\"tester\"", "\"principal\":\"testex\"")));
        expect(d, true, Damage.MODIFIED, file(1) + ":3");
        expect(d, false, Damage.MODIFIED, file(1) + ":3");
        assertThat(Main.run("audit", "verify", d.resolve("audit").toString())).isEqualTo(1);
    }

    @Test
    void aDeletedLineIsDeleted() throws Exception {
        Path d = tampered(j -> lines(j, 1, ls -> ls.remove(2)));
        expect(d, true, Damage.DELETED, file(1) + ":3");
        expect(d, false, Damage.DELETED, file(1) + ":3");
    }

    @Test
    void swappedLinesAreReordered() throws Exception {
        Path d = tampered(j -> lines(j, 1, ls -> ls.add(1, ls.remove(2))));
        expect(d, true, Damage.REORDERED, file(1) + ":2");
        expect(d, false, Damage.REORDERED, file(1) + ":2");
    }

    @Test
    void aForgedLineWithARecomputedHashIsInserted() throws Exception {
        Path d = tampered(j -> lines(j, 1, ls -> {
            String before = ls.get(1);
            String victim = ls.get(2);
            String prev = sha256(before);
            String forged = victim.replaceFirst("\"prev\":\"[0-9a-f]{64}\"", "\"prev\":\"" + prev + "\"")
                    .replace("\"decision\":\"deny\"", "\"decision\":\"allow\"")
                    .replaceFirst("\"principal\":\"[^\"]*\"", "\"principal\":\"mallory\"")
                    .replaceFirst("\"mac\":\"[0-9a-f]{64}\"", "\"mac\":\"" + "0".repeat(64) + "\"");
            ls.add(2, forged);
        }));
        expect(d, true, Damage.INSERTED, file(1) + ":3");
        expect(d, false, Damage.INSERTED, file(1) + ":3");
    }

    @Test
    void aCutTailIsTruncated() throws Exception {
        Path d = tampered(j -> lines(j, files(j).size() - 1, ls -> ls.subList(ls.size() - 2, ls.size()).clear()));
        VerifyReport r = verify(d, true);
        assertThat(r.damage()).contains(Damage.TRUNCATED);
        assertThat(r.location()).startsWith(file(files(data.resolve("audit")).size() - 1) + ":");
    }

    @Test
    void aRemovedMiddleFileIsAMissingFile() throws Exception {
        Path d = tampered(j -> delete(j.resolve(file(1))));
        expect(d, true, Damage.MISSING_FILE, file(2) + ":1");
        expect(d, false, Damage.MISSING_FILE, file(2) + ":1");
    }

    @Test
    void anAlteredCheckpointIsABadSignature() throws Exception {
        Path d = tampered(j -> editCheckpoint(j, 2, l -> l.replaceFirst("\"head\":\"[0-9a-f]{4}", "\"head\":\"0000")));
        expect(d, true, Damage.BAD_SIGNATURE, JournalFiles.CHECKPOINTS + ":2");
    }

    @Test
    void aCheckpointForgedWithAnotherKeyIsABadSignatureForTheTrustedKey() throws Exception {
        var kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String forgerId = AuditKeys.publicKeyId(kp.getPublic());
        Path d = tampered(j -> editCheckpoint(j, 1, l -> {
            String body = l.substring(0, l.indexOf(",\"sig\":")).replaceFirst("\"key_id\":\"[^\"]*\"", "\"key_id\":\"" + forgerId + "\"") + "}";
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(kp.getPrivate());
                s.update(body.getBytes(StandardCharsets.UTF_8));
                return body.substring(0, body.length() - 1) + ",\"sig\":\"" + HexFormat.of().formatHex(s.sign()) + "\"}";
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        VerifyReport r = new Verifier(d.resolve("audit"), Map.of(), Map.of(keys.signingKeyId(), keys.publicKey())).verify();
        assertThat(r.damage()).contains(Damage.BAD_SIGNATURE);
        assertThat(r.location()).isEqualTo(JournalFiles.CHECKPOINTS + ":1");
        assertThat(r.detail()).contains(forgerId);
    }

    @Test
    void aTornLastLineIsNotTampering() throws Exception {
        Path d = tampered(j -> lines(j, files(j).size() - 1, ls -> {}));
        Path last = d.resolve("audit").resolve(file(files(data.resolve("audit")).size() - 1));
        Files.writeString(last, "{\"v\":1,\"seq\":999,\"ti", java.nio.file.StandardOpenOption.APPEND);
        VerifyReport r = verify(d, true);
        assertThat(r.intact()).as(r.detail()).isTrue();
        assertThat(r.tornTail()).isPresent();
    }

    // ---- helpers

    static void expect(Path d, boolean withHmac, Damage kind, String location) throws Exception {
        VerifyReport r = verify(d, withHmac);
        assertThat(r.damage()).as((withHmac ? "with" : "without") + " HMAC key: " + r.detail()).contains(kind);
        assertThat(r.location()).as(r.detail()).isEqualTo(location);
    }

    static VerifyReport verify(Path dataDir, boolean withHmac) throws Exception {
        return new Verifier(dataDir.resolve("audit"), withHmac ? Map.of(keys.hmacKeyId(), keys.hmacKey()) : Map.of(),
                Map.of(keys.signingKeyId(), keys.publicKey())).verify();
    }

    interface Change {
        void apply(Path journal) throws Exception;
    }

    static Path tampered(Change change) throws Exception {
        Path d = Files.createTempDirectory(work, "copy");
        copy(data, d);
        change.apply(d.resolve("audit"));
        return d;
    }

    static List<String> files(Path journal) throws Exception {
        return JournalFiles.list(journal).stream().map(JournalFiles.Name::file).toList();
    }

    static String file(int index) throws Exception {
        return files(data.resolve("audit")).get(index);
    }

    static void lines(Path journal, int fileIndex, Consumer<List<String>> edit) throws Exception {
        Path f = journal.resolve(files(journal).get(fileIndex));
        List<String> ls = new ArrayList<>(Files.readAllLines(f));
        edit.accept(ls);
        Files.writeString(f, ls.isEmpty() ? "" : String.join("\n", ls) + "\n");
    }

    static void editLine(Path journal, int fileIndex, int line, java.util.function.UnaryOperator<String> edit) throws Exception {
        lines(journal, fileIndex, ls -> {
            String before = ls.get(line - 1);
            String after = edit.apply(before);
            assertThat(after).isNotEqualTo(before);
            ls.set(line - 1, after);
        });
    }

    static void editCheckpoint(Path journal, int line, java.util.function.UnaryOperator<String> edit) throws Exception {
        Path f = journal.resolve(JournalFiles.CHECKPOINTS);
        List<String> ls = new ArrayList<>(Files.readAllLines(f));
        ls.set(line - 1, edit.apply(ls.get(line - 1)));
        Files.writeString(f, String.join("\n", ls) + "\n");
    }

    static String sha256(String line) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(line.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String readJournal(Path journal) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String f : files(journal)) {
            b.append(Files.readString(journal.resolve(f)));
        }
        return b.toString();
    }

    static void copy(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
