package dev.waygate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cached copy of SQLite's native library: where it lives, who may own it, and that a damaged copy is never used. */
class SqliteNativeTest {
    @TempDir
    Path tmp;

    @Test
    void theCacheIsTheUsersOwnerOnlyDirectory() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path xdg = Files.createDirectory(tmp.resolve("xdg"));

        Path fromHome = SqliteNative.cacheDir(null, home.toString());
        Path fromXdg = SqliteNative.cacheDir(xdg.toString(), home.toString());
        Path relativeXdgIgnored = SqliteNative.cacheDir("relative/cache", home.toString());

        assertThat(fromHome).isEqualTo(home.resolve(".cache/waygate"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fromHome))).isEqualTo("rwx------");
        assertThat(fromXdg).isEqualTo(xdg.resolve("waygate"));
        assertThat(relativeXdgIgnored).isEqualTo(fromHome);
        assertThat(SqliteNative.cacheDir(null, null)).isNull();
    }

    @Test
    void aDirectoryOthersCanWriteOrASymlinkIsNotTrusted() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared/.cache/waygate"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path target = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(tmp.resolve("linked/.cache"));
        Files.createSymbolicLink(tmp.resolve("linked/.cache/waygate"), target);

        assertThat(SqliteNative.cacheDir(null, tmp.resolve("shared").toString())).isNull();
        assertThat(SqliteNative.cacheDir(null, tmp.resolve("linked").toString())).isNull();
    }

    @Test
    void theLibraryIsExtractedOnceAndADamagedCopyReplaced() throws Exception {
        Path dir = SqliteNative.cacheDir(null, tmp.toString());
        byte[] inJar;
        String name = org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
        try (InputStream in = org.sqlite.JDBC.class.getResourceAsStream(
                org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name)) {
            inJar = in.readAllBytes();
        }

        Path lib = SqliteNative.cachedLibrary(dir);
        assertThat(lib.getParent()).isEqualTo(dir);
        assertThat(lib.getFileName().toString()).startsWith("sqlite-").endsWith(name);
        assertThat(Files.readAllBytes(lib)).isEqualTo(inJar);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lib))).isEqualTo("rwx------");

        FileTime written = FileTime.fromMillis(1_000_000_000L);
        Files.setLastModifiedTime(lib, written);
        assertThat(SqliteNative.cachedLibrary(dir)).isEqualTo(lib);
        assertThat(Files.getLastModifiedTime(lib)).as("an intact copy is reused").isEqualTo(written);

        byte[] damaged = inJar.clone();
        damaged[damaged.length / 2] ^= 1;
        Files.write(lib, damaged);
        assertThat(SqliteNative.cachedLibrary(dir)).isEqualTo(lib);
        assertThat(Files.readAllBytes(lib)).as("a damaged copy (same size) is replaced").isEqualTo(inJar);

        Files.write(lib, new byte[] {1, 2, 3});
        assertThat(SqliteNative.cachedLibrary(dir)).isEqualTo(lib);
        assertThat(Files.readAllBytes(lib)).as("a truncated copy is replaced").isEqualTo(inJar);
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).as("no temporary file is left").containsExactly(lib);
        }
    }
}
