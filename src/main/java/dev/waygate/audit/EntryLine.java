package dev.waygate.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * What the chain needs from one journal line, read without building a tree: the fields up to
 * {@code prev} (they come first in the canonical order) and the MAC split off the end.
 *
 * @param seq   sequence number
 * @param time  RFC 3339 time as written
 * @param keyId id of the HMAC key that sealed it
 * @param prev  hash of the previous entry
 * @param mac   HMAC (hex) as written
 */
public record EntryLine(long seq, String time, String keyId, String prev, String mac) {
    private static final JsonFactory JSON = dev.waygate.mcp.Json.factory();
    static final int MAC_HEX = 64;

    /** Parses a line (without its newline); empty when it is not a well-formed sealed entry. {@code body} receives the MAC'd bytes. */
    public static Optional<EntryLine> parse(byte[] line, int len, ByteArrayOutputStream body) {
        String mac = Canonical.unseal(line, len, Fields.MAC, MAC_HEX, body);
        if (mac == null || !Hex.isHash(mac)) {
            return Optional.empty();
        }
        long seq = -1;
        String time = null;
        String keyId = null;
        String prev = null;
        int v = -1;
        try (JsonParser p = JSON.createParser(line, 0, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (prev == null && p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case Fields.V -> v = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case Fields.SEQ -> seq = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                    case Fields.TIME -> time = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case Fields.KEY_ID -> keyId = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case Fields.PREV -> prev = t == JsonToken.VALUE_STRING ? p.getText() : "";
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        if (v != Fields.FORMAT_VERSION || seq < 1 || time == null || keyId == null || !Hex.isHash(prev)) {
            return Optional.empty();
        }
        return Optional.of(new EntryLine(seq, time, keyId, prev, mac));
    }
}
