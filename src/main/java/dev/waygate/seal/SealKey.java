package dev.waygate.seal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 key that seals state handed to clients (MRTR {@code requestState}), generated on
 * first start into {@code <data_dir>/seal.key} (mode 0600). Gateway instances that share this file
 * accept each other's sealed state, and nothing else needs to be shared between them.
 */
public final class SealKey {
    public static final String FILE = "seal.key";
    static final int BYTES = 32;

    private SealKey() {}

    /** Loads the key, generating it when the file does not exist yet. */
    public static SecretKey loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (!Files.exists(file)) {
                byte[] k = new byte[BYTES];
                new SecureRandom().nextBytes(k);
                Files.createDirectories(dataDir);
                Files.writeString(file, "", StandardOpenOption.CREATE_NEW);
                setOwnerOnly(file);
                Files.writeString(file, Base64.getEncoder().encodeToString(k) + "\n", StandardOpenOption.TRUNCATE_EXISTING);
            }
            byte[] k = Base64.getDecoder().decode(Files.readString(file).trim());
            if (k.length != BYTES) {
                throw new IllegalStateException(file + " must hold " + BYTES + " key bytes (base64), not " + k.length);
            }
            return new SecretKeySpec(k, "AES");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the sealing key " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " is not base64: " + e.getMessage(), e);
        }
    }

    private static void setOwnerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system
        }
    }
}
