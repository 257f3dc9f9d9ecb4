package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanonicalTest {
    static AuditEvent event(JsonNode args) {
        return new AuditEvent(Instant.parse("2026-11-20T10:15:30.123456Z"), "corr-12345678", "alice", "tools/call",
                "everything__echo", AuditEvent.Outcome.ALLOW, "", 42, "ok", args);
    }

    /** An entry's body in a buffer of its own. */
    static byte[] entryBody(AuditEvent e, long seq, String instance, String keyId, String prev) {
        Buf out = new Buf(16);
        Canonical.entryBody(out, e.time(), Canonical.eventFields(e), seq, instance, keyId, prev);
        return java.util.Arrays.copyOf(out.array(), out.size());
    }

    @Test
    void sameEventSameBytesWithFieldsInTheDocumentedOrder() throws Exception {
        JsonNode a = Json.parse("{\"b\":1,\"a\":{\"z\":true,\"y\":[1,\"x\"]}}");
        JsonNode b = Json.parse("{\"a\":{\"y\":[1,\"x\"],\"z\":true},\"b\":1}");
        byte[] one = entryBody(event(a), 7, "i-1", "h-1", Hex.ZERO_HASH);
        byte[] two = entryBody(event(b), 7, "i-1", "h-1", Hex.ZERO_HASH);
        assertThat(one).isEqualTo(two);
        String s = new String(one, StandardCharsets.UTF_8);
        assertThat(s).isEqualTo("{\"v\":1,\"seq\":7,\"time\":\"2026-11-20T10:15:30.123Z\",\"instance\":\"i-1\",\"key_id\":\"h-1\","
                + "\"prev\":\"" + Hex.ZERO_HASH + "\",\"correlation_id\":\"corr-12345678\",\"principal\":\"alice\","
                + "\"action\":\"tools/call\",\"target\":\"everything__echo\",\"decision\":\"allow\",\"reason\":\"\","
                + "\"duration_ms\":42,\"upstream_status\":\"ok\",\"args\":{\"a\":{\"y\":[1,\"x\"],\"z\":true},\"b\":1}}");
        List<String> names = new ArrayList<>();
        Json.parse(s).fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly(Fields.V, Fields.SEQ, Fields.TIME, Fields.INSTANCE, Fields.KEY_ID, Fields.PREV,
                Fields.CORRELATION_ID, Fields.PRINCIPAL, Fields.ACTION, Fields.TARGET, Fields.DECISION, Fields.REASON,
                Fields.DURATION_MS, Fields.UPSTREAM_STATUS, Fields.ARGS);
    }

    @Test
    void controlCharactersAndNewlinesCannotBreakALine() {
        AuditEvent e = new AuditEvent(Instant.EPOCH, "", "mallory\n{\"forged\":1}", "tools/call", "x\r\u2028y",
                AuditEvent.Outcome.DENY, "r", 0, "", null);
        byte[] body = entryBody(e, 1, "i", "k", Hex.ZERO_HASH);
        assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("\n").doesNotContain("\r").contains("\"args\":null");
    }

    @Test
    void sealAndUnsealRoundTrip() {
        byte[] body = entryBody(event(null), 1, "i", "k", Hex.ZERO_HASH);
        String mac = "ab".repeat(32);
        byte[] line = Canonical.seal(body, Fields.MAC, mac);
        assertThat(new String(line, StandardCharsets.UTF_8)).endsWith(",\"mac\":\"" + mac + "\"}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Canonical.unseal(line, line.length, Fields.MAC, 64, out)).isEqualTo(mac);
        assertThat(out.toByteArray()).isEqualTo(body);
        assertThat(Canonical.unseal(body, body.length, Fields.MAC, 64, out)).isNull();
        assertThat(EntryLine.parse(line, line.length, out)).get().satisfies(p -> {
            assertThat(p.seq()).isEqualTo(1);
            assertThat(p.prev()).isEqualTo(Hex.ZERO_HASH);
            assertThat(p.time()).isEqualTo("2026-11-20T10:15:30.123Z");
        });
    }

    /** The journal's writer reuses one buffer: a longer entry before a shorter one leaves nothing of itself behind. */
    @Test
    void aReusedBufferGivesTheSameBytesAndSealAsFreshArrays() throws Exception {
        Buf reused = new Buf(16);
        AuditEvent longer = event(Json.parse("{\"text\":\"" + "x".repeat(3000) + "\"}"));
        AuditEvent shorter = event(null);
        for (AuditEvent e : List.of(longer, shorter)) {
            Canonical.entryBody(reused, e.time(), Canonical.eventFields(e), 9, "i-1", "h-1", Hex.ZERO_HASH);
            byte[] fresh = entryBody(e, 9, "i-1", "h-1", Hex.ZERO_HASH);
            assertThat(java.util.Arrays.copyOf(reused.array(), reused.size())).isEqualTo(fresh);
            String mac = "cd".repeat(32);
            assertThat(Canonical.seal(reused.array(), reused.size(), Fields.MAC, mac)).isEqualTo(Canonical.seal(fresh, Fields.MAC, mac));
        }
    }

    @Test
    void aSealValueThatCouldBreakTheLineIsRefused() {
        byte[] body = entryBody(event(null), 1, "i", "k", Hex.ZERO_HASH);
        for (String bad : List.of("ab\"}", "ab\\", "ab\n", "\u00e9")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Canonical.seal(body, Fields.MAC, bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The event's fields are written into a pooled block and copied out: short, one block, several blocks, non-ASCII. */
    @Test
    void eventFieldsOfEverySizeReadBackExactly() throws Exception {
        for (int n : new int[] {0, 1, 1_900, 2_000, 2_100, 9_000, 70_000}) {
            String text = "é€😀x".repeat(n / 4 + 1).substring(0, n);
            AuditEvent e = event(Json.parse(Json.write(Json.object().put("text", text))));
            byte[] fields = Canonical.eventFields(e);
            assertThat(fields[0]).as("size %d", n).isEqualTo((byte) ',');
            assertThat(new String(fields, 1, 16, StandardCharsets.UTF_8)).isEqualTo("\"correlation_id\"");
            JsonNode parsed = Json.parse(entryBody(e, 3, "i", "k", Hex.ZERO_HASH));
            assertThat(parsed.path("args").path("text").asText()).as("size %d", n).isEqualTo(text);
            assertThat(parsed.path("upstream_status").asText()).isEqualTo("ok");
        }
    }
}
