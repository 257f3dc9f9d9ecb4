package dev.waygate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallMetricsTest {
    static final String ALLOW_OK = "{method=\"tools/call\",outcome=\"allow\",result=\"ok\"}";

    @Test
    void callsCountedBeforeTheRegistryIsMadeAreScraped() {
        Metrics metrics = new Metrics();
        CallMetrics calls = new CallMetrics(metrics);
        calls.observe("tools/call", "allow", "ok", 2_000_000);
        calls.observe("tools/call", "allow", "ok", 4_000_000);
        calls.observe("tools/call", "deny", "rate_limited", 1_000);
        String text = metrics.scrape();
        assertThat(text).contains("waygate_mcp_calls_total" + ALLOW_OK + " 2.0")
                .contains("waygate_mcp_call_duration_seconds_count" + ALLOW_OK + " 2\n")
                .contains("waygate_mcp_call_duration_seconds_sum" + ALLOW_OK + " 0.006")
                .contains("waygate_mcp_calls_total{method=\"tools/call\",outcome=\"deny\",result=\"rate_limited\"} 1.0");
    }

    @Test
    void callsOfANewKindAfterTheRegistryIsMadeAppear() {
        Metrics metrics = new Metrics();
        CallMetrics calls = new CallMetrics(metrics);
        assertThat(metrics.scrape()).doesNotContain("waygate_mcp_calls_total");
        calls.observe("tools/call", "allow", "ok", 1_000_000);
        calls.observe("resources/read", "error", "upstream_timeout", 1_000_000);
        assertThat(metrics.scrape()).contains("waygate_mcp_calls_total" + ALLOW_OK + " 1.0")
                .contains("waygate_mcp_calls_total{method=\"resources/read\",outcome=\"error\",result=\"upstream_timeout\"} 1.0");
    }

    @Test
    void noneCountsNothingAndMakesNoRegistry() {
        CallMetrics.NONE.observe("tools/call", "allow", "ok", 1);
    }
}
