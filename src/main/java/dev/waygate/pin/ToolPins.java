package dev.waygate.pin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.PinningConfig;
import dev.waygate.mcp.LogText;
import dev.waygate.store.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rug-pull protection: every upstream tool's definition is pinned (SHA-256 of its canonical form)
 * the first time it is seen; a later change holds the tool — hidden from lists, calls refused —
 * until an admin approves the new definition. Decision 0017.
 *
 * <p>On each tool list of a server ({@link #review}), for each tool in order:
 * <ol>
 *   <li>never seen: the definition is scanned for poisoning ({@link PoisonScanner}); clean, it is
 *       pinned as approved ({@code first-sight}); poisoned, it is stored unapproved and held;</li>
 *   <li>seen with the same hash as last time: nothing;</li>
 *   <li>a different hash: stored as the definition seen, scanned again; unless it equals the
 *       approved one again, the tool is held ({@code tool_definition_changed}).</li>
 * </ol>
 * The pins are kept in memory (read on every list and call) and in SQLite (they survive restarts).
 * Memory is updated first: if the database cannot be written a changed tool is still held.
 * In {@code report} mode nothing is held but every finding is logged and audited; {@code off}
 * does nothing.
 */
public final class ToolPins implements ToolGate {
    private static final Logger LOG = LoggerFactory.getLogger(ToolPins.class);
    /** The seen hash of a definition that could not be reviewed: matches no approval. */
    static final String UNREADABLE = "unreadable";
    /**
     * Characters of new or changed definitions scanned per tool list: scanning is linear but not
     * free, and a hostile server must not buy unbounded CPU with 10,000 huge tools. Past it, a new
     * or changed definition is not scanned and counts as poisoned ({@code oversized}): held.
     */
    static final long SCAN_BUDGET = 2L * 1024 * 1024;

    /**
     * Written out rather than generated: a record's own {@code equals}/{@code hashCode} are bound at
     * first use by {@code ObjectMethods} (method handles spun at run time, which no AOT cache holds),
     * and the first use is on the path to {@code /ready} (loading the pins at start).
     */
    record Key(String server, String tool) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && java.util.Objects.equals(server, k.server) && java.util.Objects.equals(tool, k.tool);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hashCode(server) + java.util.Objects.hashCode(tool);
        }
    }

    /** What an approval did. */
    public enum Approval { APPROVED, ALREADY_APPROVED, NOT_FOUND, AMBIGUOUS, HASH_MISMATCH }

    private final GatewayConfig config;
    private final PinningConfig.Mode mode;
    private final PinStore store;
    private final AuditLog audit;
    private final PoisonScanner scanner = new PoisonScanner();
    private final Clock clock;
    private final Map<Key, Pin> pins = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Set<Shadow> reported = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private volatile List<Shadow> shadows = List.of();
    private volatile long dataVersion;

    public ToolPins(GatewayConfig config, Database db, AuditLog audit) {
        this(config, new PinStore(db), audit, Clock.systemUTC());
    }

    ToolPins(GatewayConfig config, PinStore store, AuditLog audit, Clock clock) {
        this.config = config;
        this.mode = config.pinning().mode();
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        store.all().forEach(p -> pins.put(new Key(p.server(), p.tool()), p));
        this.dataVersion = store.dataVersion();
        auditCliApprovals(store.all());
        LOG.info("tool pinning: {} ({} pins)", mode.wire(), pins.size());
    }

    public PinningConfig.Mode mode() {
        return mode;
    }

    public GatewayConfig config() {
        return config;
    }

    @Override
    public void review(String server, List<ObjectNode> tools) {
        if (mode == PinningConfig.Mode.OFF) {
            return;
        }
        List<AuditEvent> events = new ArrayList<>();
        synchronized (lock) {
            long[] budget = {SCAN_BUDGET};
            for (ObjectNode tool : tools) {
                String name = tool.path("name").asText("");
                if (name.isEmpty()) {
                    continue;
                }
                try {
                    review(server, name, ToolDefinition.of(tool), budget, events);
                } catch (RuntimeException e) {
                    // Fail closed: a definition that cannot be hashed or scanned is held, never taken as approved.
                    LOG.error("tool pinning: cannot review {} of {}: {}", LogText.printable(name), server, e.toString());
                    Pin old = pins.get(new Key(server, name));
                    Instant now = clock.instant();
                    pins.put(new Key(server, name), old != null
                            ? new Pin(server, name, old.approvedHash(), old.approvedDefinition(), old.approvedAt(), old.approvedBy(),
                                    old.approvalAudited(), UNREADABLE, "{}", List.of(), old.firstSeen(), Optional.of(now))
                            : new Pin(server, name, Optional.empty(), Optional.empty(), Optional.empty(), "", true, UNREADABLE, "{}",
                                    List.of(), now, Optional.empty()));
                }
            }
        }
        recordAll(events);
    }

    /**
     * Records the entries of one tool list together: concurrent records share the journal's group
     * commit, so a first start with hundreds of tools costs one fsync, not hundreds.
     */
    private void recordAll(List<AuditEvent> events) {
        if (events.size() <= 1) {
            events.forEach(this::record);
            return;
        }
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            events.forEach(e -> pool.submit(() -> record(e)));
        }
    }

    private void review(String server, String name, ToolDefinition d, long[] budget, List<AuditEvent> events) {
        Key key = new Key(server, name);
        Pin old = pins.get(key);
        if (old != null && old.seenHash().equals(d.hash())) {
            return;
        }
        Instant now = clock.instant();
        budget[0] -= d.canonical().length();
        List<Finding> findings = budget[0] >= 0 ? d.scan(scanner)
                : List.of(new Finding("oversized", "", "not scanned: the server's tool list is larger than "
                        + SCAN_BUDGET + " characters", ""));
        Pin p = old != null ? old.seen(d, findings, now)
                : findings.isEmpty()
                ? new Pin(server, name, Optional.of(d.hash()), Optional.of(d.canonical()), Optional.of(now), Pin.FIRST_SIGHT, true,
                        d.hash(), d.canonical(), findings, now, Optional.empty())
                : new Pin(server, name, Optional.empty(), Optional.empty(), Optional.empty(), "", true, d.hash(), d.canonical(),
                        findings, now, Optional.empty());
        pins.put(key, p);
        try {
            store.put(p);
        } catch (RuntimeException e) {
            LOG.error("tool pinning: could not store the pin of {}: {}", exposed(server, name), e.getMessage());
        }
        String exposed = exposed(server, name);
        if (p.state() == Pin.State.APPROVED) {
            LOG.info("tool pinning: {} pinned{}", LogText.printable(exposed), old == null ? "" : " (back to its approved definition)");
            events.add(PinEvents.pinned(exposed, p, old == null ? "first_sight" : "definition_restored"));
            return;
        }
        boolean enforced = mode == PinningConfig.Mode.ENFORCE;
        LOG.warn("tool pinning: {} {}: {}{}{}", LogText.printable(exposed), enforced ? "quarantined" : "would be quarantined (report mode)",
                p.state() == Pin.State.CHANGED ? "its definition changed since it was approved" : "its description looks poisoned",
                findings.isEmpty() ? "" : "; findings: " + summary(findings),
                enforced ? "; approve with: waygate tools approve " + exposed : "");
        events.add(PinEvents.quarantined(exposed, p, enforced));
    }

    @Override
    public Optional<Hold> hold(String server, String tool) {
        if (mode != PinningConfig.Mode.ENFORCE) {
            return Optional.empty();
        }
        Pin p = pins.get(new Key(server, tool));
        if (p == null) {
            return Optional.of(new Hold("tool_not_pinned", "its definition has not been reviewed"));
        }
        return switch (p.state()) {
            case APPROVED -> Optional.empty();
            case CHANGED -> Optional.of(new Hold(p.state().reasonCode(), "its definition changed since it was approved"));
            case POISONED -> Optional.of(new Hold(p.state().reasonCode(),
                    "its description looks poisoned (" + String.join(", ", p.findings().stream().map(Finding::kind).distinct().toList()) + ")"));
        };
    }

    @Override
    public void crossCheck(Map<String, List<ObjectNode>> toolsByServer) {
        if (mode == PinningConfig.Mode.OFF) {
            return;
        }
        List<Shadow> found = Shadowing.find(toolsByServer, this::exposed);
        shadows = List.copyOf(found);
        for (Shadow s : found) {
            if (reported.add(s)) {
                LOG.warn("tool shadowing: {}", LogText.printable(s.message()));
                record(PinEvents.shadowing(s));
            }
        }
    }

    /**
     * Approves the definition {@code name} (exposed name) offers now.
     *
     * @param expectedHash when given, approve only if the definition offered now has this hash
     */
    public Approval approve(String name, String by, Optional<String> expectedHash) {
        Approval result;
        synchronized (lock) {
            List<Pin> matches = PinNames.matching(config, List.copyOf(pins.values()), name);
            if (matches.size() != 1) {
                return matches.isEmpty() ? Approval.NOT_FOUND : Approval.AMBIGUOUS;
            }
            Pin p = matches.getFirst();
            if (expectedHash.isPresent() && !expectedHash.get().equals(p.seenHash())) {
                return Approval.HASH_MISMATCH;
            }
            if (p.state() == Pin.State.APPROVED) {
                return Approval.ALREADY_APPROVED;
            }
            Instant now = clock.instant();
            Pin approved = p.approved(by, now, true);
            pins.put(new Key(p.server(), p.tool()), approved);
            if (!store.approve(p.server(), p.tool(), p.seenHash(), by, now, true)) {
                store.put(approved);
            }
            LOG.info("tool pinning: {} approved by {} ({})", LogText.printable(name), by, p.state().reasonCode());
            record(PinEvents.approved(by, exposed(p.server(), p.tool()), approved, p.approvedHash().orElse("")));
            result = Approval.APPROVED;
        }
        listeners.forEach(Runnable::run);
        return result;
    }

    @Override
    public boolean sync() {
        long v = store.dataVersion();
        if (v == dataVersion) {
            return false;
        }
        boolean changed = false;
        List<Pin> stored;
        synchronized (lock) {
            dataVersion = v;
            stored = store.all();
            for (Pin s : stored) {
                Key key = new Key(s.server(), s.tool());
                Pin mine = pins.get(key);
                if (mine == null || mine.approvedHash().equals(s.approvedHash())) {
                    continue;
                }
                Pin merged = new Pin(mine.server(), mine.tool(), s.approvedHash(), s.approvedDefinition(), s.approvedAt(),
                        s.approvedBy(), true, mine.seenHash(), mine.seenDefinition(), mine.findings(), mine.firstSeen(), mine.changedAt());
                changed |= merged.state() != mine.state();
                pins.put(key, merged);
            }
        }
        auditCliApprovals(stored);
        if (changed) {
            listeners.forEach(Runnable::run);
        }
        return changed;
    }

    /** Approvals the CLI wrote are recorded by the gateway, which owns the journal. */
    private void auditCliApprovals(List<Pin> stored) {
        for (Pin s : stored) {
            if (!s.approvalAudited()) {
                LOG.info("tool pinning: {} approved by {}", LogText.printable(exposed(s.server(), s.tool())), s.approvedBy());
                if (record(PinEvents.approved(s.approvedBy(), exposed(s.server(), s.tool()), s, ""))) {
                    store.markAudited(s.server(), s.tool());
                }
            }
        }
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Every pin, by exposed name. */
    public List<Pin> pins() {
        List<Pin> out = new ArrayList<>(pins.values());
        out.sort(Comparator.comparing((Pin p) -> exposed(p.server(), p.tool())));
        return out;
    }

    /** The cross-server problems found in the current tool lists. */
    public List<Shadow> shadows() {
        return shadows;
    }

    public String exposed(String server, String tool) {
        return PinNames.exposed(config, server, tool);
    }

    private boolean record(AuditEvent e) {
        try {
            audit.record(e);
            return true;
        } catch (RuntimeException ex) {
            LOG.error("tool pinning: could not audit {} of {}: {}", e.action(), e.target(), ex.getMessage());
            return false;
        }
    }

    private static String summary(List<Finding> findings) {
        return String.join("; ", findings.stream().limit(5)
                .map(f -> f.kind() + (f.where().isEmpty() ? "" : " in " + f.where()) + " (" + LogText.printable(f.excerpt()) + ")").toList());
    }
}
