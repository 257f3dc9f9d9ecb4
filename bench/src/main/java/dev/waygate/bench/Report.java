package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * Prints a JMH JSON result file as a Markdown table, with each benchmark's ratio to the
 * {@code baseline_*} benchmark of its class measured in the same run (where the class has one).
 * For time per call (avgt) the ratio is time / baseline time; for throughput (thrpt) it is
 * throughput / baseline throughput, and the time per call is callers / throughput.
 * <pre>java -cp bench/target/benchmarks.jar dev.waygate.bench.Report bench/results/DATE.json</pre>
 */
public final class Report {
    private Report() {}

    public static void main(String[] args) throws IOException {
        JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        Map<String, List<JsonNode>> byClass = new LinkedHashMap<>();
        for (JsonNode r : results) {
            byClass.computeIfAbsent(className(r), k -> new java.util.ArrayList<>()).add(r);
        }
        System.out.println("| benchmark | mode | callers | score | ± error | per call | vs baseline |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        byClass.forEach((cls, rows) -> {
            Optional<JsonNode> baseline = rows.stream().filter(r -> method(r).startsWith("baseline")).findFirst();
            for (JsonNode r : rows) {
                System.out.println(row(cls, r, baseline));
            }
        });
    }

    private static String row(String cls, JsonNode r, Optional<JsonNode> baseline) {
        JsonNode m = r.path("primaryMetric");
        double score = m.path("score").asDouble();
        String mode = r.path("mode").asText();
        int threads = r.path("threads").asInt(1);
        String unit = m.path("scoreUnit").asText();
        String perCall = mode.equals("thrpt") && unit.equals("ops/s") ? time(threads / score * 1e9) : mode.equals("avgt")
                && unit.equals("ns/op") ? time(score) : "";
        String ratio = "";
        if (baseline.isPresent() && baseline.get() != r) {
            double b = baseline.get().path("primaryMetric").path("score").asDouble();
            ratio = mode.equals("thrpt") ? fmt(score / b) + "× throughput" : fmt(score / b) + "× time";
        } else if (baseline.isPresent()) {
            ratio = "(baseline)";
        }
        return "| %s.%s%s | %s | %d | %s %s | %s | %s | %s |".formatted(cls, method(r), params(r), mode, threads, fmt(score), unit,
                fmt(m.path("scoreError").asDouble()), perCall, ratio);
    }

    private static String time(double nanos) {
        return nanos >= 1e6 ? fmt(nanos / 1e6) + " ms" : nanos >= 1e3 ? fmt(nanos / 1e3) + " µs" : fmt(nanos) + " ns";
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        double a = Math.abs(v);
        return a >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : a >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String className(JsonNode r) {
        String b = r.path("benchmark").asText();
        String cls = b.substring(0, b.lastIndexOf('.'));
        return cls.substring(cls.lastIndexOf('.') + 1);
    }

    private static String method(JsonNode r) {
        String b = r.path("benchmark").asText();
        return b.substring(b.lastIndexOf('.') + 1);
    }

    private static String params(JsonNode r) {
        JsonNode p = r.path("params");
        if (p.isMissingNode() || p.isEmpty()) {
            return "";
        }
        return StreamSupport.stream(p.properties().spliterator(), false).map(e -> e.getKey() + "=" + e.getValue().asText())
                .collect(java.util.stream.Collectors.joining(",", " (", ")"));
    }
}
