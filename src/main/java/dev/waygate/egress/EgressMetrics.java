package dev.waygate.egress;

import dev.waygate.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's Prometheus meters: {@code waygate_proxy_requests_total{rule,decision}},
 * {@code waygate_proxy_request_duration_seconds}, {@code waygate_proxy_active_connections},
 * {@code waygate_proxy_security_violations_total{kind}}. Labels are rule names and stable codes,
 * never hosts (a client could make their number unbounded).
 */
final class EgressMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Counter> violations = new ConcurrentHashMap<>();
    private final Timer duration;
    final AtomicInteger active = new AtomicInteger();

    EgressMetrics(Metrics metrics) {
        this.registry = metrics.registry();
        this.duration = Timer.builder("waygate.proxy.request.duration").description("egress requests and tunnels, start to end")
                .register(registry);
        Gauge.builder("waygate.proxy.active.connections", active, AtomicInteger::get)
                .description("egress requests and tunnels in flight").register(registry);
    }

    void decided(Decision d) {
        String rule = d.ruleLabel();
        String label = d.label();
        requests.computeIfAbsent(rule + "\n" + label, k -> Counter.builder("waygate.proxy.requests")
                .description("egress decisions").tag("rule", rule).tag("decision", label).register(registry)).increment();
        if (d.ssrf()) {
            violation(d.reason());
        }
    }

    void violation(String kind) {
        violations.computeIfAbsent(kind, k -> Counter.builder("waygate.proxy.security.violations")
                .description("egress requests refused as attacks: SSRF forms, bad credentials, malformed requests")
                .tag("kind", k).register(registry)).increment();
    }

    void took(Duration d) {
        duration.record(d);
    }
}
