package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.Redactor;
import dev.waygate.mcp.Json;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link Redactor#summary} (what every audit entry carries) of a 1 KiB argument set: nested
 * objects, an array, a long text, one secret-named field and one secret-shaped value. Baseline: a
 * plain deep copy of the same tree.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RedactBench {
    static final String ARGS_1KIB = """
            {"path":"/srv/repos/waygate/src/main/java/dev/waygate/audit/AuditWriter.java","encoding":"utf-8",
             "query":"select id, name, created_at from api_keys where revoked_at is null order by created_at desc limit 50",
             "options":{"recursive":true,"max_depth":4,"follow_symlinks":false,"include":["*.java","*.md"],"exclude":["target/**"]},
             "headers":{"Accept":"application/json","User-Agent":"agent/1.0","X-Request-Id":"c-9f8e7d6c5b4a"},
             "api_key":"not-a-real-key-but-named-like-one",
             "note":"connect with postgres://reporter:hunter2@db.internal:5432/app when the cache is cold",
             "body":"The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps.",
             "tags":["alpha","beta","gamma","delta","epsilon","zeta"],"limit":100,"dry_run":false}""";

    private Redactor redactor;
    private JsonNode args;

    @Setup
    public void setup() throws Exception {
        redactor = new Redactor(List.of("x_internal"));
        args = Json.parse(ARGS_1KIB);
        JsonNode s = redactor.summary(args);
        int size = Json.bytes(args).length;
        if (size < 900 || size > 1200 || !s.path("api_key").asText().equals(Redactor.REDACTED)
                || !s.path("note").asText().equals(Redactor.REDACTED)) {
            throw new IllegalStateException("argument fixture is not what the benchmark expects: " + size + " bytes, " + s);
        }
    }

    @Benchmark
    public JsonNode redact_1KiB() {
        return redactor.summary(args);
    }

    @Benchmark
    public JsonNode baseline_deepCopy() {
        return args.deepCopy();
    }
}
