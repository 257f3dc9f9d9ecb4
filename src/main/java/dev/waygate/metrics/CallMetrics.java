package dev.waygate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every MCP call's outcome, as the audit stage classifies it, for {@code /metrics}:
 * <ul>
 *   <li>{@code waygate_mcp_calls_total{method,outcome,result}}: calls answered;</li>
 *   <li>{@code waygate_mcp_call_duration_seconds_count} and {@code _sum} with the same labels: their
 *       time in the gateway, upstream included.</li>
 * </ul>
 * {@code method} is {@code tools/call}, {@code prompts/get} or {@code resources/read};
 * {@code outcome} is {@code allow}, {@code deny} or {@code error}; {@code result} is the upstream's
 * status for an allowed call ({@code ok}, {@code tool_error}, {@code input_required}) and the
 * gateway's reason code otherwise ({@code policy_denied}, {@code rate_limited},
 * {@code upstream_timeout}, …). Every label is a code from a fixed set, never a tool name or
 * anything an upstream or a client wrote, so their number stays small.
 * <p>The call path only adds to two {@link LongAdder}s; the meters read them when scraped, and are
 * registered when the registry is made ({@link Metrics#onRegistry}), not on the call path.
 */
public final class CallMetrics {
    /** Records nothing: for pipelines built without a gateway (tests, tools). */
    public static final CallMetrics NONE = new CallMetrics(null);

    private record Key(String method, String outcome, String result) {}

    private static final class Cell {
        final LongAdder calls = new LongAdder();
        final LongAdder nanos = new LongAdder();
    }

    private final Metrics metrics;
    private final Map<Key, Cell> cells = new ConcurrentHashMap<>();

    public CallMetrics(Metrics metrics) {
        this.metrics = metrics;
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
        cell.calls.increment();
        cell.nanos.add(nanos);
    }

    private static void register(MeterRegistry r, Key k, Cell c) {
        FunctionCounter.builder("waygate.mcp.calls", c, x -> x.calls.sum())
                .description("MCP calls answered (tools, prompts, resources), by outcome")
                .tags("method", k.method(), "outcome", k.outcome(), "result", k.result()).register(r);
        FunctionTimer.builder("waygate.mcp.call.duration", c, x -> x.calls.sum(), x -> x.nanos.sum(), TimeUnit.NANOSECONDS)
                .description("time from the call's arrival at the pipeline to its answer, upstream included")
                .tags("method", k.method(), "outcome", k.outcome(), "result", k.result()).register(r);
    }
}
