package dev.waygate.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads SQLite's native library from a copy kept in the user's cache directory
 * ({@code $XDG_CACHE_HOME/waygate}, else {@code ~/.cache/waygate}) instead of letting sqlite-jdbc
 * extract it anew on every start: its loader writes the 1 MB library to a fresh temporary file,
 * then compares it byte by byte with the copy in the jar, which was a tenth of the gateway's CPU
 * time from process start to {@code /ready}.
 *
 * <p>The copy is named after the library's CRC-32 and size as recorded in the jar, and checked
 * against both before each load (a truncated or stale file is replaced, never loaded). The cache
 * directory must be owned by this user and writable by nobody else; where it is not, where the
 * library is not in a jar, or where anything fails (a read-only home, a {@code noexec} mount), this
 * does nothing and sqlite-jdbc loads the library its own way, as before. An operator's
 * {@code -Dorg.sqlite.lib.path} is left alone.
 */
final class SqliteNative {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteNative.class);
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static boolean tried;

    private SqliteNative() {}

    /** Before the first connection: makes sqlite-jdbc load the cached library when one can be used. */
    static synchronized void prepare() {
        if (tried || System.getProperty("org.sqlite.lib.path") != null) {
            return;
        }
        tried = true;
        try {
            Path dir = cacheDir(System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home"));
            Path lib = dir == null ? null : cachedLibrary(dir);
            if (lib == null) {
                return;
            }
            System.load(lib.toString()); // fails here (not inside sqlite-jdbc) on a noexec mount: then nothing is set
            System.setProperty("org.sqlite.lib.path", dir.toString());
            System.setProperty("org.sqlite.lib.name", lib.getFileName().toString());
            LOG.debug("sqlite: native library {}", lib);
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            LOG.debug("sqlite: no cached native library ({}); sqlite-jdbc extracts its own", e.toString());
        }
    }

    /**
     * The library for this platform in {@code dir}, extracted from the jar first when it is missing
     * or differs from the jar's entry (size and CRC-32); null when the library is not in a jar.
     */
    static Path cachedLibrary(Path dir) throws IOException {
        String name = org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
        URL url = org.sqlite.JDBC.class.getResource(org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name);
        if (url == null || !"jar".equals(url.getProtocol())) {
            return null;
        }
        JarURLConnection jar = (JarURLConnection) url.openConnection();
        JarEntry entry = jar.getJarEntry();
        if (entry.getCrc() < 0 || entry.getSize() < 0) {
            return null;
        }
        String version = org.sqlite.SQLiteJDBCLoader.getVersion();
        Path lib = dir.resolve(String.format(Locale.ROOT, "sqlite-%s-%08x-%d-%s", version, entry.getCrc(), entry.getSize(), name));
        if (!matches(lib, entry)) {
            extract(jar, entry, lib);
        }
        return lib;
    }

    /**
     * The cache directory ({@code $XDG_CACHE_HOME/waygate}, else {@code ~/.cache/waygate}), created
     * owner-only; null when there is none this process may trust.
     */
    static Path cacheDir(String xdg, String home) throws IOException {
        Path base;
        if (xdg != null && xdg.startsWith("/")) {
            base = Path.of(xdg);
        } else if (home != null && !home.isBlank() && !"?".equals(home)) {
            base = Path.of(home, ".cache");
        } else {
            return null;
        }
        Path dir = base.resolve("waygate");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(base);
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made by another process meanwhile: checked below like any other
            }
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        boolean othersWrite = a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                || a.permissions().contains(PosixFilePermission.OTHERS_WRITE);
        if (!a.isDirectory() || othersWrite || !a.owner().getName().equals(System.getProperty("user.name"))) {
            LOG.debug("sqlite: {} is not a directory of this user's alone; not caching the native library there", dir);
            return null;
        }
        return dir;
    }

    private static boolean matches(Path lib, JarEntry entry) throws IOException {
        if (!Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS) || Files.size(lib) != entry.getSize()) {
            return false;
        }
        return crc(Files.readAllBytes(lib)) == entry.getCrc();
    }

    private static void extract(JarURLConnection jar, JarEntry entry, Path lib) throws IOException {
        byte[] bytes;
        try (InputStream in = jar.getJarFile().getInputStream(entry)) {
            bytes = in.readAllBytes();
        }
        if (bytes.length != entry.getSize() || crc(bytes) != entry.getCrc()) {
            throw new IOException("the library read from the jar does not match its entry");
        }
        Path tmp = Files.createTempFile(lib.getParent(), ".sqlite-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(bytes);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
            try {
                Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, lib, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        LOG.debug("sqlite: native library extracted to {}", lib);
    }

    private static long crc(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return c.getValue();
    }
}
