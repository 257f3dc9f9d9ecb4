package dev.waygate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every MCP call's outcome, as the audit stage classifies it, for {@code /metrics}:
 * <ul>
 *   <li>{@code waygate_mcp_calls_total{method,outcome,result}}: calls answered;</li>
 *   <li>{@code waygate_mcp_call_duration_seconds} with the same labels: a histogram of their time in
 *       the gateway, upstream included ({@code _bucket{le}}, {@code _count}, {@code _sum}; buckets
 *       {@link #BOUNDS}), for {@code histogram_quantile}.</li>
 * </ul>
 * {@code method} is {@code tools/call}, {@code prompts/get} or {@code resources/read};
 * {@code outcome} is {@code allow}, {@code deny} or {@code error}; {@code result} is the upstream's
 * status for an allowed call ({@code ok}, {@code tool_error}, {@code input_required}) and the
 * gateway's reason code otherwise ({@code policy_denied}, {@code rate_limited},
 * {@code upstream_timeout}, …). Every label is a code from a fixed set, never a tool name or
 * anything an upstream or a client wrote, so their number stays small.
 * <p>The call path only adds to {@link LongAdder}s; the meters read them when scraped, and are
 * registered when the registry is made ({@link Metrics#onRegistry}), not on the call path.
 */
public final class CallMetrics {
    /** Records nothing: for pipelines built without a gateway (tests, tools). */
    public static final CallMetrics NONE = new CallMetrics(null);

    /** Upper bounds of the duration buckets, in seconds; the last is +Inf. */
    static final double[] BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
            Double.POSITIVE_INFINITY};
    private static final long[] BOUND_NANOS = new long[BOUNDS.length - 1];

    static {
        for (int i = 0; i < BOUND_NANOS.length; i++) {
            BOUND_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
        }
    }

    private record Key(String method, String outcome, String result) {}

    private static final class Cell {
        final LongAdder calls = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final LongAdder[] buckets = new LongAdder[BOUNDS.length];

        Cell() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    private final Metrics metrics;
    private final Map<Key, Cell> cells = new ConcurrentHashMap<>();

    public CallMetrics(Metrics metrics) {
        this.metrics = metrics;
        if (metrics != null) {
            metrics.onPrometheus(new Durations());
        }
    }

    public void observe(String method, String outcome, String result, long nanos) {
        if (metrics == null) {
            return;
        }
        Key key = new Key(method, outcome, result);
        Cell cell = cells.get(key);
        if (cell == null) {
            Cell made = new Cell();
            cell = cells.putIfAbsent(key, made);
            if (cell == null) {
                cell = made;
                metrics.onRegistry(r -> register(r, key, made));
            }
        }
        int b = 0;
        while (b < BOUND_NANOS.length && nanos > BOUND_NANOS[b]) {
            b++;
        }
        cell.buckets[b].increment();
        cell.calls.increment();
        cell.nanos.add(nanos);
    }

    private static void register(MeterRegistry r, Key k, Cell c) {
        FunctionCounter.builder("waygate.mcp.calls", c, x -> x.calls.sum())
                .description("MCP calls answered (tools, prompts, resources), by outcome")
                .tags("method", k.method(), "outcome", k.outcome(), "result", k.result()).register(r);
    }

    /** The duration histogram, read from the cells at each scrape. */
    private final class Durations implements Collector {
        static final String NAME = "waygate_mcp_call_duration_seconds";

        @Override
        public MetricSnapshot collect() {
            HistogramSnapshot.Builder h = HistogramSnapshot.builder().name(NAME)
                    .help("time from the call's arrival at the pipeline to its answer, upstream included");
            cells.forEach((k, c) -> {
                long[] counts = new long[BOUNDS.length];
                for (int i = 0; i < counts.length; i++) {
                    counts[i] = c.buckets[i].sum();
                }
                h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .labels(Labels.of("method", k.method(), "outcome", k.outcome(), "result", k.result()))
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, counts))
                        .sum(c.nanos.sum() / 1e9).build());
            });
            return h.build();
        }

        @Override
        public String getPrometheusName() {
            return NAME;
        }
    }
}
