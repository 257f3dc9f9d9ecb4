package dev.waygate.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The journal's secrets, generated on first start into {@code <data_dir>/audit-keys/} (mode 0700,
 * files 0600): the HMAC key that seals entries and the Ed25519 key that signs checkpoints. The
 * public key is exported as PEM beside them and into the journal directory ({@code keys/<id>.pub})
 * so a verifier holding only the public key can check signatures. Key ids are derived from the key
 * material, so an entry names the key that sealed it.
 */
public record AuditKeys(byte[] hmacKey, String hmacKeyId, PrivateKey signingKey, PublicKey publicKey, String signingKeyId) {
    public static final String DIR = "audit-keys";
    public static final String HMAC_FILE = "hmac.key";
    public static final String SIGNING_FILE = "signing.key";
    public static final String PUBLIC_FILE = "signing.pub";

    /** Loads the keys from the data directory, generating any that do not exist yet. */
    public static AuditKeys loadOrCreate(Path dataDir) {
        Path dir = dataDir.resolve(DIR);
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                setMode(dir, "rwx------");
            }
            Path hmacFile = dir.resolve(HMAC_FILE);
            if (!Files.exists(hmacFile)) {
                byte[] k = new byte[32];
                new SecureRandom().nextBytes(k);
                writePrivate(hmacFile, Base64.getEncoder().encodeToString(k) + "\n");
            }
            byte[] hmac = readHmacKey(hmacFile);
            Path signingFile = dir.resolve(SIGNING_FILE);
            if (!Files.exists(signingFile)) {
                KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                writePrivate(signingFile, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
                Files.writeString(dir.resolve(PUBLIC_FILE), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
            }
            PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(
                    fromPem(Files.readString(signingFile))));
            PublicKey pub = readPublicKey(dir.resolve(PUBLIC_FILE));
            return new AuditKeys(hmac, hmacKeyId(hmac), priv, pub, publicKeyId(pub));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the audit keys in " + dir, e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the audit keys in " + dir + " are not valid: " + e.getMessage(), e);
        }
    }

    public static byte[] readHmacKey(Path file) throws IOException {
        byte[] k = Base64.getDecoder().decode(Files.readString(file).trim());
        if (k.length < 32) {
            throw new IllegalArgumentException(file + " holds fewer than 32 key bytes");
        }
        return k;
    }

    public static PublicKey readPublicKey(Path file) throws IOException, GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(fromPem(Files.readString(file))));
    }

    public static String hmacKeyId(byte[] key) {
        return "h-" + Hex.of(sha256(key)).substring(0, 16);
    }

    public static String publicKeyId(PublicKey key) {
        return "ed-" + Hex.of(sha256(key.getEncoded())).substring(0, 16);
    }

    /** The PEM form of the public key, as exported. */
    public String publicKeyPem() {
        return pem("PUBLIC KEY", publicKey.getEncoded());
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static byte[] fromPem(String pem) {
        String body = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.writeString(file, "", StandardOpenOption.CREATE_NEW);
        setMode(file, "rw-------");
        Files.writeString(file, content, StandardOpenOption.TRUNCATE_EXISTING);
    }

    static void setMode(Path p, String mode) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system
        }
    }

    @Override
    public String toString() {
        return "AuditKeys[" + hmacKeyId + ", " + signingKeyId + "]";
    }
}
