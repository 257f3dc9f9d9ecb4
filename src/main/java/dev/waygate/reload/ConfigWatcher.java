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
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads when the configuration file, or a file it names (the egress {@code rules_file}),
 * changes. It watches each file's directory, not the file: editors that save by writing a new file
 * and renaming it over the old one (vim, most IDEs, {@code kubectl cp}) replace the inode a file
 * watch would be on. Events are debounced: a save that truncates, writes and renames produces one
 * reload, of the finished file, once the files have been quiet for {@link #DEBOUNCE}. The set of
 * files is asked again after every reload, so a {@code rules_file} that moved is followed.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    public static final Duration DEBOUNCE = Duration.ofMillis(300);

    private final Supplier<? extends Collection<Path>> files;
    private final Runnable reload;
    private final WatchService watch;
    private final Thread thread;
    /** The files watched now (absolute, normalised); set by {@link #refresh}. */
    private Set<Path> watched = Set.of();
    /** Directories registered with the watch service. */
    private final Set<Path> dirs = new HashSet<>();

    private ConfigWatcher(Supplier<? extends Collection<Path>> files, Runnable reload) throws IOException {
        this.files = files;
        this.reload = reload;
        this.watch = FileSystems.getDefault().newWatchService();
        refresh();
        if (dirs.isEmpty()) {
            watch.close();
            throw new IOException("cannot watch the directory of " + watched);
        }
        this.thread = Thread.ofPlatform().daemon().name("config-watcher").unstarted(this::run);
    }

    /**
     * Starts watching the files {@code files} names (asked again after every reload); {@code reload}
     * runs on the watcher's thread after each debounced change of any of them.
     */
    public static ConfigWatcher start(Supplier<? extends Collection<Path>> files, Runnable reload) throws IOException {
        ConfigWatcher w = new ConfigWatcher(files, reload);
        w.thread.start();
        LOG.info("watching {} for changes (reloads the policy)", w.watched.size() == 1 ? w.watched.iterator().next() : w.watched);
        return w;
    }

    /** Takes the files to watch and registers the directories not watched yet. */
    private void refresh() {
        Set<Path> now = new LinkedHashSet<>();
        for (Path f : files.get()) {
            now.add(f.toAbsolutePath().normalize());
        }
        for (Path f : now) {
            Path dir = f.getParent();
            if (dir != null && dirs.add(dir)) {
                try {
                    dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                } catch (IOException | RuntimeException e) {
                    dirs.remove(dir);
                    LOG.warn("cannot watch {} for changes of {} ({}); reload with SIGHUP or POST /proxy/reload-config after editing it",
                            dir, f.getFileName(), e.toString());
                }
            }
        }
        watched = now;
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
                                key.watchable());
                        dirs.remove((Path) key.watchable());
                        if (dirs.isEmpty()) {
                            return;
                        }
                    }
                }
                if (due != 0 && System.nanoTime() - due >= 0) {
                    due = 0;
                    runReload();
                    try {
                        refresh();
                    } catch (RuntimeException e) {
                        LOG.error("could not update the files watched for changes; still watching {}", watched, e);
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: the gateway is stopping
        }
    }

    private boolean concernsFile(WatchKey key) {
        Path dir = (Path) key.watchable();
        boolean hit = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            // OVERFLOW: events were lost, one of them may have been ours.
            if (e.kind() == StandardWatchEventKinds.OVERFLOW || e.context() instanceof Path name && watched.contains(dir.resolve(name))) {
                hit = true;
            }
        }
        return hit;
    }

    private void runReload() {
        try {
            reload.run();
        } catch (RuntimeException e) {
            LOG.error("reload after a change of {} failed", watched, e);
        }
    }

    @Override
    public void close() throws IOException {
        watch.close();
        thread.interrupt();
    }
}
