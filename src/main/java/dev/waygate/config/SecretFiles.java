package dev.waygate.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads the files that {@code ${file:PATH}} and {@code NAME_FILE} name, for one load of the
 * configuration. Errors and warnings name the file, never its content.
 *
 * <p>Permissions (POSIX file systems only): a file every user may <em>write</em> is refused, since
 * anyone on the host could swap the credential the gateway sends upstream for one of their own. A
 * file every user may <em>read</em> is a warning, not an error: Kubernetes mounts secrets 0644 and
 * Docker secrets 0444 by default, and refusing those would push people back to inline secrets.
 */
final class SecretFiles {
    /** A reference is for a secret or another short value; this bounds what {@code ${file:/dev/zero}} can do. */
    static final int MAX_BYTES = 64 * 1024;

    private final Consumer<String> warn;
    private final Set<Path> warned = new HashSet<>();

    SecretFiles(Consumer<String> warn) {
        this.warn = warn;
    }

    /** @param what how the configuration names the file ({@code ${file:x}} or {@code NAME_FILE}), for messages */
    String read(Path file, String what, Function<String, ConfigException> error) {
        String where = what + " (" + file + ")";
        if (Files.isDirectory(file)) {
            throw error.apply("cannot read " + where + ": it is a directory");
        }
        checkPermissions(file, where, error);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw error.apply("cannot read " + where + ": no such file");
        } catch (AccessDeniedException e) {
            throw error.apply("cannot read " + where + ": permission denied");
        } catch (IOException e) {
            throw error.apply("cannot read " + where + ": " + e.getClass().getSimpleName());
        }
        if (bytes.length > MAX_BYTES) {
            throw error.apply("cannot read " + where + ": larger than " + MAX_BYTES + " bytes");
        }
        return trimLineBreaks(new String(bytes, StandardCharsets.UTF_8));
    }

    private void checkPermissions(Path file, String where, Function<String, ConfigException> error) {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException | IOException e) {
            return; // not POSIX, or not there: reading it reports the latter
        }
        if (perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw error.apply(where + " can be written by every user: anyone could replace the secret (chmod o-w, better 600)");
        }
        if (perms.contains(PosixFilePermission.OTHERS_READ) && warned.add(file)) {
            // The same file:line: key: prefix as an error, so the warning says where the file is used.
            warn.accept(error.apply(where + " can be read by every user; consider chmod 600 (Kubernetes: defaultMode 0400)")
                    .getMessage());
        }
    }

    /** Editors and {@code echo} end a file with a line break; a secret never does. */
    static String trimLineBreaks(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }
}
