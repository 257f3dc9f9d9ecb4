package dev.waygate.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

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

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }
}
