package dev.waygate.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The gateway's metrics: one Micrometer registry per gateway (not a global one, so that two
 * gateways in one JVM — tests — do not add up), scraped in the Prometheus text format at
 * {@code /metrics}. Components register their meters on {@link #registry()} with names in
 * Micrometer's dotted form ({@code waygate.proxy.requests} is exported as
 * {@code waygate_proxy_requests_total}). Labels carry stable codes only: never a principal's
 * secret, a URL or a host name chosen by a client (unbounded cardinality).
 */
public final class Metrics {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Made on first use: the egress proxy registers meters, the MCP path and the audit writer bind
     * theirs when it is made ({@link #onRegistry}), and building a Prometheus registry
     * (Micrometer's and the Prometheus model's classes and their static set-up) is work on the path
     * to {@code /ready} that a gateway without egress does not need until {@code /metrics} is read.
     */
    private volatile PrometheusMeterRegistry registry;
    /** Run on the registry once it is made ({@link #onRegistry}); guarded by {@code this}. */
    private final List<Consumer<MeterRegistry>> binders = new ArrayList<>();

    public MeterRegistry registry() {
        return prometheus();
    }

    /**
     * Registers meters when the registry is made (at once if it is): for components that count on
     * their hot path in plain adders and expose them as function meters, so that counting never
     * makes the registry.
     */
    public void onRegistry(Consumer<MeterRegistry> binder) {
        PrometheusMeterRegistry r;
        synchronized (this) {
            r = registry;
            if (r == null) {
                binders.add(binder);
                return;
            }
        }
        binder.accept(r);
    }

    /**
     * Registers a Prometheus collector when the registry is made (at once if it is): for what
     * Micrometer has no function meter for, such as a histogram counted in adders.
     */
    public void onPrometheus(Collector collector) {
        onRegistry(r -> ((PrometheusMeterRegistry) r).getPrometheusRegistry().register(collector));
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return prometheus().scrape();
    }

    private PrometheusMeterRegistry prometheus() {
        PrometheusMeterRegistry r = registry;
        if (r == null) {
            synchronized (this) {
                r = registry;
                if (r == null) {
                    r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                    for (Consumer<MeterRegistry> b : binders) {
                        b.accept(r);
                    }
                    binders.clear();
                    registry = r;
                }
            }
        }
        return r;
    }
}
