package dev.waygate.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads when the configuration file changes. It watches the file's directory, not the file:
 * editors that save by writing a new file and renaming it over the old one (vim, most IDEs,
 * {@code kubectl cp}) replace the inode a file watch would be on. Events are debounced: a save
 * that truncates, writes and renames produces one reload, of the finished file, once the
 * directory has been quiet for {@link #DEBOUNCE}.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    public static final Duration DEBOUNCE = Duration.ofMillis(300);

    private final Path file;
    private final Runnable reload;
    private final WatchService watch;
    private final Thread thread;

    private ConfigWatcher(Path file, Runnable reload) throws IOException {
        this.file = file.toAbsolutePath().normalize();
        this.reload = reload;
        this.watch = FileSystems.getDefault().newWatchService();
        this.file.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = Thread.ofPlatform().daemon().name("config-watcher").unstarted(this::run);
    }

    /** Starts watching {@code file}; {@code reload} runs on the watcher's thread after each debounced change. */
    public static ConfigWatcher start(Path file, Runnable reload) throws IOException {
        ConfigWatcher w = new ConfigWatcher(file, reload);
        w.thread.start();
        LOG.info("watching {} for changes (reloads the policy)", w.file);
        return w;
    }

    private void run() {
        long due = 0; // when the pending reload runs (System.nanoTime()); 0 when none is pending
        try {
            while (true) {
                WatchKey key = due == 0 ? watch.take() : watch.poll(Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (key != null) {
                    if (concernsFile(key)) {
                        due = System.nanoTime() + DEBOUNCE.toNanos();
                    }
                    if (!key.reset()) {
                        LOG.warn("{} can no longer be watched (directory gone); reload with SIGHUP or POST /proxy/reload-config",
                                file.getParent());
                        return;
                    }
                }
                if (due != 0 && System.nanoTime() - due >= 0) {
                    due = 0;
                    runReload();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: the gateway is stopping
        }
    }

    private boolean concernsFile(WatchKey key) {
        boolean hit = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            // OVERFLOW: events were lost, one of them may have been ours.
            if (e.kind() == StandardWatchEventKinds.OVERFLOW || file.getFileName().equals(e.context())) {
                hit = true;
            }
        }
        return hit;
    }

    private void runReload() {
        try {
            reload.run();
        } catch (RuntimeException e) {
            LOG.error("reload after a change of {} failed", file, e);
        }
    }

    @Override
    public void close() throws IOException {
        watch.close();
        thread.interrupt();
    }
}
