package dev.waygate.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The canonical form of a journal line: compact JSON, fields in the order of {@link Fields},
 * object keys of the argument summary sorted, time in RFC 3339 UTC with milliseconds. The MAC (or
 * a checkpoint's signature) covers the line without its last field; that field is appended as
 * {@code ,"mac":"<hex>"}} so a verifier splits a line into body and seal without re-serializing.
 */
public final class Canonical {
    public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = dev.waygate.mcp.Json.factory();

    private Canonical() {}

    public static String time(Instant t) {
        return TIME.format(t);
    }

    /**
     * The entry's own fields, from {@code correlation_id} to the closing brace, as they follow the
     * chain fields: {@code ,"correlation_id":…,"args":{…}}}. They depend on the event alone, so the
     * caller's thread can write them; only the chain fields need the writer's order.
     */
    static byte[] eventFields(AuditEvent e) {
        // Written into a block of the shared pool, then copied once into the exact array: the
        // entry waits in the writer's queue, so the pooled block cannot be what it keeps.
        BufferRecycler recycler = dev.waygate.mcp.Json.recycler();
        ByteArrayBuilder out = new ByteArrayBuilder(recycler);
        try {
            out.write(',');
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField(Fields.CORRELATION_ID, e.correlationId());
                g.writeStringField(Fields.PRINCIPAL, e.principal());
                g.writeStringField(Fields.ACTION, e.action());
                g.writeStringField(Fields.TARGET, e.target());
                g.writeStringField(Fields.DECISION, e.decision().wire());
                g.writeStringField(Fields.REASON, e.reason());
                g.writeNumberField(Fields.DURATION_MS, e.durationMs());
                g.writeStringField(Fields.UPSTREAM_STATUS, e.upstreamStatus());
                g.writeFieldName(Fields.ARGS);
                writeSorted(g, e.args());
                g.writeEndObject();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            int size = out.size();
            // one block (the usual case) is read in place; a longer entry is joined first
            byte[] b = size == out.getCurrentSegmentLength() ? out.getCurrentSegment() : out.toByteArray();
            // drop the generator's own '{' (second byte): the fields continue the chain fields' object
            byte[] fields = new byte[size - 1];
            fields[0] = ',';
            System.arraycopy(b, 2, fields, 1, size - 2);
            return fields;
        } finally {
            out.release();
            recycler.releaseToPool();
        }
    }

    /**
     * Writes the body of an entry into {@code out} (reset first): the chain fields, then
     * {@code fields} from {@link #eventFields}. These are the bytes the entry's MAC covers (the line
     * without {@code mac}). The journal's writer reuses one buffer for every entry.
     */
    static void entryBody(Buf out, Instant time, byte[] fields, long seq, String instance, String keyId, String prev) {
        out.reset();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT); // the object goes on with the event's fields
            g.writeStartObject();
            g.writeNumberField(Fields.V, Fields.FORMAT_VERSION);
            g.writeNumberField(Fields.SEQ, seq);
            g.writeStringField(Fields.TIME, time(time));
            g.writeStringField(Fields.INSTANCE, instance);
            g.writeStringField(Fields.KEY_ID, keyId);
            g.writeStringField(Fields.PREV, prev);
            g.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        out.write(fields, 0, fields.length);
    }

    /** The bytes a checkpoint's signature covers. */
    static byte[] checkpointBody(long seq, String head, String file, Instant time, String keyId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(200);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField(Fields.V, Fields.FORMAT_VERSION);
            g.writeNumberField(Fields.SEQ, seq);
            g.writeStringField(Fields.HEAD, head);
            g.writeStringField(Fields.FILE, file);
            g.writeStringField(Fields.TIME, time(time));
            g.writeStringField(Fields.KEY_ID, keyId);
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** {@code body} with {@code ,"field":"value"} inserted before its closing brace. */
    static byte[] seal(byte[] body, String field, String value) {
        return seal(body, body.length, field, value);
    }

    /** The first {@code length} bytes of {@code body} (an object) with {@code ,"field":"value"} inserted before its closing brace. */
    static byte[] seal(byte[] body, int length, String field, String value) {
        byte[] line = new byte[length - 1 + sealLength(field, value.length())];
        System.arraycopy(body, 0, line, 0, length - 1);
        int i = length - 1;
        line[i++] = ',';
        line[i++] = '"';
        i = ascii(field, line, i);
        line[i++] = '"';
        line[i++] = ':';
        line[i++] = '"';
        i = ascii(value, line, i);
        line[i++] = '"';
        line[i] = '}';
        return line;
    }

    /** Copies {@code s} (ASCII: a field name or hex) into {@code to} at {@code at}; returns the index after it. */
    private static int ascii(String s, byte[] to, int at) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c > 0x7e || c < 0x20 || c == '"' || c == '\\') {
                throw new IllegalArgumentException("not a plain ASCII seal field or value");
            }
            to[at++] = (byte) c;
        }
        return at;
    }

    /** Length of the seal {@code ,"field":"<valueLength chars>"}}. */
    static int sealLength(String field, int valueLength) {
        return field.length() + 6 + valueLength + 1;
    }

    /**
     * Splits a sealed line: the seal's value, or null when the line does not end with a seal of
     * this field and length. {@code body} receives the unsealed bytes.
     */
    static String unseal(byte[] line, int len, String field, int valueLength, ByteArrayOutputStream body) {
        int sealLen = sealLength(field, valueLength);
        if (len < sealLen + 2) {
            return null;
        }
        int start = len - sealLen;
        byte[] prefix = (",\"" + field + "\":\"").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < prefix.length; i++) {
            if (line[start + i] != prefix[i]) {
                return null;
            }
        }
        if (line[len - 2] != '"' || line[len - 1] != '}') {
            return null;
        }
        body.reset();
        body.write(line, 0, start);
        body.write('}');
        return new String(line, start + prefix.length, valueLength, StandardCharsets.US_ASCII);
    }

    /**
     * A JSON tree as compact UTF-8 JSON with every object's keys sorted: the same tree always gives
     * the same bytes (used to hash tool definitions for pinning).
     */
    public static byte[] sorted(JsonNode n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeSorted(g, n);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** Writes a JSON tree with every object's keys in sorted order. */
    static void writeSorted(JsonGenerator g, JsonNode n) throws IOException {
        if (n.isObject()) {
            List<String> keys = new ArrayList<>();
            n.fieldNames().forEachRemaining(keys::add);
            Collections.sort(keys);
            g.writeStartObject();
            for (String k : keys) {
                g.writeFieldName(k);
                writeSorted(g, n.get(k));
            }
            g.writeEndObject();
        } else if (n.isArray()) {
            g.writeStartArray();
            for (JsonNode c : n) {
                writeSorted(g, c);
            }
            g.writeEndArray();
        } else if (n.isTextual()) {
            g.writeString(n.textValue());
        } else if (n.isBoolean()) {
            g.writeBoolean(n.booleanValue());
        } else if (n.isIntegralNumber()) {
            g.writeNumber(n.bigIntegerValue());
        } else if (n.isNumber()) {
            g.writeNumber(n.decimalValue());
        } else {
            g.writeNull();
        }
    }
}
