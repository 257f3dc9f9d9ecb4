package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * A signed statement "the entry with sequence {@code seq} has hash {@code head} and is in
 * {@code file}". Written every N entries or T seconds, at rotation, start and clean shutdown; it
 * makes a truncated tail and a deleted file detectable, and lets a holder of only the public key
 * check the chain.
 */
public record Checkpoint(long seq, String head, String file, String time, String keyId, String sig, byte[] body) {
    static final int SIG_HEX = 128;

    /** The line (with newline) of a new checkpoint, signed. */
    static byte[] line(long seq, String head, String file, Instant now, String keyId, PrivateKey key) {
        byte[] body = Canonical.checkpointBody(seq, head, file, now, keyId);
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(body);
            byte[] line = Canonical.seal(body, Fields.SIG, Hex.of(s.sign()));
            byte[] out = Arrays.copyOf(line, line.length + 1);
            out[line.length] = '\n';
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a checkpoint", e);
        }
    }

    /** Parses a checkpoint line (without newline); empty when it is not one. */
    public static Optional<Checkpoint> parse(byte[] line, int len) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(len);
        String sig = Canonical.unseal(line, len, Fields.SIG, SIG_HEX, body);
        if (sig == null) {
            return Optional.empty();
        }
        try {
            JsonNode n = Json.parse(new String(line, 0, len, StandardCharsets.UTF_8));
            if (n.path(Fields.V).asInt() != Fields.FORMAT_VERSION || !n.path(Fields.SEQ).isIntegralNumber()
                    || !Hex.isHash(n.path(Fields.HEAD).asText())) {
                return Optional.empty();
            }
            return Optional.of(new Checkpoint(n.get(Fields.SEQ).asLong(), n.get(Fields.HEAD).asText(),
                    n.path(Fields.FILE).asText(), n.path(Fields.TIME).asText(), n.path(Fields.KEY_ID).asText(), sig,
                    body.toByteArray()));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** Whether the signature is valid under this public key. */
    public boolean verify(PublicKey key) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(body);
            return s.verify(Hex.parse(sig));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
