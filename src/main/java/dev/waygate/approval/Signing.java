package dev.waygate.approval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The approval signing key ({@code <data_dir>/approval-signing.key}, 32 random bytes in hex, made
 * owner-only at first start) and what it signs: dashboard links in webhooks (approval id and
 * expiry, so a link cannot be pointed at another approval or used after it ends) and webhook bodies
 * ({@code X-Waygate-Signature: t=UNIX,v1=HEX}, HMAC-SHA256 of {@code t + "." + body}), which a
 * receiver holding the key verifies. A link does not log anyone in: the dashboard still asks for a key.
 */
public final class Signing {
    public static final String FILE = "approval-signing.key";
    private final byte[] key;

    Signing(byte[] key) {
        this.key = key.clone();
    }

    public static Signing loadOrCreate(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        try {
            if (!Files.exists(f)) {
                byte[] k = new byte[32];
                new SecureRandom().nextBytes(k);
                Files.writeString(f, HexFormat.of().formatHex(k), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                try {
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system
                }
            }
            return new Signing(HexFormat.of().parseHex(Files.readString(f).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + f, e);
        }
    }

    public String mac(String text) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(m.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    /** The query of a dashboard link to one approval, valid until {@code until}. */
    public String linkQuery(String approvalId, Instant until) {
        long exp = until.getEpochSecond();
        return "approval=" + approvalId + "&exp=" + exp + "&sig=" + mac("link\n" + approvalId + "\n" + exp);
    }

    /** Whether a link's signature is ours and it has not expired. */
    public boolean linkValid(String approvalId, String exp, String sig, Instant now) {
        if (approvalId == null || exp == null || sig == null || !exp.matches("\\d{1,12}")) {
            return false;
        }
        boolean same = MessageDigest.isEqual(mac("link\n" + approvalId + "\n" + exp).getBytes(StandardCharsets.US_ASCII),
                sig.getBytes(StandardCharsets.US_ASCII));
        return same && now.getEpochSecond() < Long.parseLong(exp);
    }

    /** The {@code X-Waygate-Signature} value of a webhook body sent at {@code time}. */
    public String bodySignature(long time, byte[] body) {
        return "t=" + time + ",v1=" + mac(time + "." + new String(body, StandardCharsets.UTF_8));
    }
}
