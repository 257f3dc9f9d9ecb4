package dev.waygate.egress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters per rule and per principal since start, for {@code /proxy/stats}: allowed (including
 * report-mode), reported (allowed but would be denied), denied, bytes each way, open tunnels.
 * Lock-free: adders and atomics in concurrent maps.
 */
public final class ProxyStats {
    private final Map<String, Counters> byRule = new ConcurrentHashMap<>();
    private final Map<String, Counters> byPrincipal = new ConcurrentHashMap<>();

    static final class Counters {
        final LongAdder allowed = new LongAdder();
        final LongAdder reported = new LongAdder();
        final LongAdder denied = new LongAdder();
        final LongAdder bytesOut = new LongAdder();
        final LongAdder bytesIn = new LongAdder();
        final AtomicInteger activeTunnels = new AtomicInteger();

        ObjectNode json() {
            return Json.object().put("allowed", allowed.sum()).put("reported", reported.sum()).put("denied", denied.sum())
                    .put("bytes_out", bytesOut.sum()).put("bytes_in", bytesIn.sum()).put("active_tunnels", activeTunnels.get());
        }
    }

    void decided(String principal, Decision d) {
        for (Counters c : both(principal, d.ruleLabel())) {
            (d.allowed() ? c.allowed : c.denied).increment();
            if (d.wouldDeny().isPresent()) {
                c.reported.increment();
            }
        }
    }

    void bytes(String principal, String rule, long out, long in) {
        for (Counters c : both(principal, rule)) {
            c.bytesOut.add(out);
            c.bytesIn.add(in);
        }
    }

    void tunnel(String principal, String rule, int delta) {
        for (Counters c : both(principal, rule)) {
            c.activeTunnels.addAndGet(delta);
        }
    }

    private Counters[] both(String principal, String rule) {
        return new Counters[] {byRule.computeIfAbsent(rule, k -> new Counters()),
                byPrincipal.computeIfAbsent(principal, k -> new Counters())};
    }

    /** {@code {"rules": {name: counters}, "principals": {name: counters}}}, names sorted. */
    public ObjectNode json() {
        ObjectNode o = Json.object();
        ObjectNode rules = o.putObject("rules");
        new TreeMap<>(byRule).forEach((k, v) -> rules.set(k, v.json()));
        ObjectNode principals = o.putObject("principals");
        new TreeMap<>(byPrincipal).forEach((k, v) -> principals.set(k, v.json()));
        return o;
    }
}
