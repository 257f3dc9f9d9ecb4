package dev.waygate.seal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals state that the gateway hands to a client and must get back unchanged (MRTR
 * {@code requestState}): AES-256-GCM with the cached key, one AEAD operation per seal or open, no
 * key derivation per request. The principal and the purpose are authenticated as associated data,
 * so a blob presented by another principal, or for another purpose, fails like a forged one; the
 * expiry is inside the ciphertext and checked after authentication.
 *
 * <p>Format: {@code w1.} + base64url(nonce[12] || ciphertext || tag[16]); plaintext is
 * expiry millis (8 bytes) || payload. Random 96-bit nonces: safe for far more than the 2^32 blobs
 * one key should seal; rotate the key file (which invalidates outstanding blobs) long before.
 */
public final class Sealer {
    static final String PREFIX = "w1.";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    /** Longer input is not ours: refuse before decoding (a client controls it). */
    static final int MAX_BLOB_CHARS = 64 * 1024;

    private final SecretKey key;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public Sealer(SecretKey key) {
        this(key, Clock.systemUTC());
    }

    Sealer(SecretKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    /** Seals {@code payload} for {@code principal}, valid for {@code ttl}. */
    public String seal(String purpose, String principal, Duration ttl, byte[] payload) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        ByteBuffer plain = ByteBuffer.allocate(8 + payload.length);
        plain.putLong(clock.millis() + ttl.toMillis()).put(payload);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(purpose, principal));
            byte[] sealed = c.doFinal(plain.array());
            byte[] out = new byte[NONCE + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(sealed, 0, out, NONCE, sealed.length);
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** The payload of a blob sealed for this purpose and principal and not expired; otherwise throws {@link SealException}. */
    public byte[] open(String purpose, String principal, String blob) {
        if (blob == null || blob.length() > MAX_BLOB_CHARS || !blob.startsWith(PREFIX)) {
            throw new SealException(SealException.Reason.MALFORMED, "not a sealed state of this gateway");
        }
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(blob.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new SealException(SealException.Reason.MALFORMED, "sealed state is not base64url");
        }
        if (in.length < NONCE + TAG_BITS / 8 + 8) {
            throw new SealException(SealException.Reason.MALFORMED, "sealed state is too short");
        }
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            c.updateAAD(aad(purpose, principal));
            plain = c.doFinal(in, NONCE, in.length - NONCE);
        } catch (AEADBadTagException e) {
            throw new SealException(SealException.Reason.NOT_AUTHENTIC,
                    "sealed state is not authentic (tampered, another key, or another principal's)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
        ByteBuffer b = ByteBuffer.wrap(plain);
        long expires = b.getLong();
        if (clock.millis() > expires) {
            throw new SealException(SealException.Reason.EXPIRED, "sealed state has expired");
        }
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return payload;
    }

    private static byte[] aad(String purpose, String principal) {
        return ("waygate-seal\0" + purpose + "\0" + principal).getBytes(StandardCharsets.UTF_8);
    }
}
