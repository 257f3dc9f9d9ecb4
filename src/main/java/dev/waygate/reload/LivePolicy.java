package dev.waygate.reload;

import dev.waygate.config.ConfigException;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.policy.PolicySnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy in force, and the one way to change it. Readers call {@link #get()}: one volatile
 * read, no lock. {@link #reload} re-reads the configuration file with the same {@link ConfigLoader}
 * as start-up and {@code check-config} and, if it validates, replaces policy and rate limits
 * together; everything else in the file is fixed for the life of the process and a change to it
 * is only reported. Reloads are serialized so that versions are handed out in order and a slow
 * reload never overwrites a newer one.
 */
public final class LivePolicy implements Supplier<PolicySnapshot> {
    private static final Logger LOG = LoggerFactory.getLogger(LivePolicy.class);

    /** The settings a reload does not apply, by their top-level key: comparing them finds what needs a restart. */
    private static final Map<String, Function<GatewayConfig, Object>> FIXED = fixed();

    private final GatewayConfig started;
    private final ConfigLoader loader;
    private final AtomicReference<PolicySnapshot> current;
    private volatile Optional<ReloadResult> last = Optional.empty();
    private final List<java.util.function.Consumer<ReloadResult>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<java.util.function.Predicate<GatewayConfig>> configListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** @param started the configuration the gateway runs with: version 1 of the policy */
    public LivePolicy(GatewayConfig started, ConfigLoader loader) {
        this.started = started;
        this.loader = loader;
        this.current = new AtomicReference<>(new PolicySnapshot(started.policy(), started.rateLimits(), 1, Instant.now(),
                started.digest(), started.guards()));
    }

    public LivePolicy(GatewayConfig started) {
        this(started, new ConfigLoader(System::getenv));
    }

    /** The snapshot in force. */
    @Override
    public PolicySnapshot get() {
        return current.get();
    }

    /**
     * Runs {@code listener} after every reload, whatever its outcome (the gateway audits each one
     * and tells clients their lists may have changed). A listener that throws is logged; it
     * neither undoes the reload nor stops the others.
     */
    public void onReload(java.util.function.Consumer<ReloadResult> listener) {
        listeners.add(listener);
    }

    /**
     * Told every validated configuration a reload reads, for parts that reload their own piece:
     * the egress rules, whose {@code rules_file} may change while this file does not. The listener
     * answers whether it put something new in force; if any did, the reload is
     * {@link ReloadResult.Outcome#APPLIED} (a new version) even when this file is unchanged. Not
     * called for a refused file (a file it names that does not validate refuses the reload).
     */
    public void onValidConfig(java.util.function.Predicate<GatewayConfig> listener) {
        configListeners.add(listener);
    }

    /** The most recent reload, if there was one. */
    public Optional<ReloadResult> lastReload() {
        return last;
    }

    /**
     * Re-reads the configuration file. In order:
     * <ol>
     *   <li>read the bytes once and validate them with the start-up loader; on any error keep the
     *       snapshot in force and report {@code file:line: key: reason};</li>
     *   <li>list the keys that differ from the started configuration (restart needed);</li>
     *   <li>hand the validated configuration to the parts that reload their own piece (egress rules,
     *       which may live in a {@code rules_file} of their own);</li>
     *   <li>if the content is the one in force and no part changed, change nothing; otherwise swap
     *       in policy and rate limits as one new snapshot with the next version.</li>
     * </ol>
     * Never throws for a bad file: the result says what happened, and it is logged.
     *
     * @param trigger what asked for it ({@code http}, {@code signal}, {@code file}), for the log
     */
    public synchronized ReloadResult reload(String trigger) {
        PolicySnapshot old = current.get();
        ReloadResult r;
        try {
            GatewayConfig next = loader.read(started.file(), read());
            List<String> restart = restartNeeded(next);
            boolean partChanged = false;
            for (var l : configListeners) {
                partChanged |= l.test(next); // every part is told, whatever the others answer
            }
            if (next.digest().equals(old.digest()) && !partChanged) {
                r = new ReloadResult(ReloadResult.Outcome.UNCHANGED, old, restart, Optional.empty(), trigger, Instant.now());
            } else {
                PolicySnapshot s = new PolicySnapshot(next.policy(), next.rateLimits(), old.version() + 1, Instant.now(),
                        next.digest(), next.guards());
                current.set(s);
                r = new ReloadResult(ReloadResult.Outcome.APPLIED, s, restart, Optional.empty(), trigger, s.loadedAt());
            }
        } catch (ConfigException e) {
            r = new ReloadResult(ReloadResult.Outcome.REFUSED, old, List.of(), Optional.of(e.getMessage()), trigger, Instant.now());
        }
        last = Optional.of(r);
        if (r.outcome() == ReloadResult.Outcome.REFUSED) {
            LOG.warn("{}", r.summary());
        } else {
            LOG.info("{}", r.summary());
        }
        for (var l : listeners) {
            try {
                l.accept(r);
            } catch (RuntimeException e) {
                LOG.error("after the reload: {}", e.toString());
            }
        }
        return r;
    }

    private String read() {
        try {
            return Files.readString(started.file());
        } catch (NoSuchFileException e) {
            throw new ConfigException(started.file() + ":1: file not found");
        } catch (IOException e) {
            throw new ConfigException(started.file() + ":1: cannot read: " + e.getMessage());
        }
    }

    private List<String> restartNeeded(GatewayConfig next) {
        List<String> keys = new ArrayList<>();
        FIXED.forEach((key, value) -> {
            if (!Objects.equals(value.apply(started), value.apply(next))) {
                keys.add(key);
            }
        });
        return keys;
    }

    private static Map<String, Function<GatewayConfig, Object>> fixed() {
        Map<String, Function<GatewayConfig, Object>> m = new LinkedHashMap<>();
        m.put("listen", GatewayConfig::listen);
        m.put("data_dir", GatewayConfig::dataDir);
        m.put("auth", GatewayConfig::auth);
        m.put("allowed_origins", GatewayConfig::allowedOrigins);
        m.put("limits", GatewayConfig::maxBodyBytes);
        m.put("naming", c -> List.of(c.separator(), c.pageSize()));
        m.put("session_idle_timeout", GatewayConfig::sessionIdle);
        m.put("servers", GatewayConfig::servers); // also the imported .mcp.json
        m.put("audit", GatewayConfig::audit);
        m.put("oauth", GatewayConfig::oauth);
        m.put("watch_config", GatewayConfig::watchConfig);
        m.put("pinning", GatewayConfig::pinning);
        m.put("approvals", GatewayConfig::approvals); // per-rule approval settings reload with the policy
        m.put("egress", c -> c.egress().map(dev.waygate.egress.EgressConfig::fixedPart)); // its rules do reload
        return java.util.Collections.unmodifiableMap(m);
    }
}
