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
        // a histogram: cumulative buckets, 2 ms falls in le=0.0025, 4 ms in le=0.005
        String bucket = "waygate_mcp_call_duration_seconds_bucket{method=\"tools/call\",outcome=\"allow\",result=\"ok\",le=";
        assertThat(text).contains("# TYPE waygate_mcp_call_duration_seconds histogram")
                .contains(bucket + "\"0.001\"} 0\n").contains(bucket + "\"0.0025\"} 1\n").contains(bucket + "\"0.005\"} 2\n")
                .contains(bucket + "\"+Inf\"} 2\n");
    }

    @Test
    void aCallOnABoundIsInThatBucketAndALongOneOnlyInInf() {
        Metrics metrics = new Metrics();
        CallMetrics calls = new CallMetrics(metrics);
        calls.observe("prompts/get", "allow", "ok", 1_000_000);          // exactly 1 ms: le="0.001"
        calls.observe("prompts/get", "allow", "ok", 120_000_000_000L);   // two minutes
        String bucket = "waygate_mcp_call_duration_seconds_bucket{method=\"prompts/get\",outcome=\"allow\",result=\"ok\",le=";
        assertThat(metrics.scrape()).contains(bucket + "\"5.0E-4\"} 0\n").contains(bucket + "\"0.001\"} 1\n")
                .contains(bucket + "\"60.0\"} 1\n").contains(bucket + "\"+Inf\"} 2\n");
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
