package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.guard.ArgumentGuard;
import dev.waygate.guard.GuardSettings;
import dev.waygate.guard.GuardStage;
import dev.waygate.guard.ResultGuard;
import dev.waygate.mcp.Json;
import dev.waygate.net.Resolver;
import dev.waygate.pipeline.Call;
import dev.waygate.pipeline.CallKind;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
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
 * The guards' cost per call with the default settings: {@link ArgumentGuard} on a typical 1 KiB
 * argument set (a path, a URL resolved by a fixed resolver — no DNS —, a query, nested options,
 * prose), {@link ResultGuard} on a 1 KiB and a 1 MiB text result (prose, code, numbers, no
 * findings), and the whole {@link GuardStage} on the 1 KiB call with a 1 KiB result. Baselines:
 * parsing the same bytes with Jackson, which the gateway does for every call anyway.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class GuardBench {
    static final String ARGS_1KIB = """
            {"path":"src/main/java/dev/waygate/audit/AuditWriter.java","encoding":"utf-8",
             "url":"https://api.example.com/v1/repos/waygate/issues?state=open&per_page=50",
             "query":"select id, name, created_at from api_keys where revoked_at is null order by created_at desc limit 50",
             "options":{"recursive":true,"max_depth":4,"follow_symlinks":false,"include":["*.java","*.md"],"exclude":["target/**"]},
             "headers":{"Accept":"application/json","User-Agent":"agent/1.0","X-Request-Id":"c-9f8e7d6c5b4a"},
             "message":"Refactor the writer: batch fsyncs, keep the chain hash per entry, and report the batch size.",
             "body":"The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick brown fox jumps.",
             "tags":["alpha","beta","gamma","delta","epsilon","zeta"],"limit":100,"dry_run":false}""";
    static final String PARAGRAPH = "## Results\n\nThe build finished in 42.7 s; 1,204 tests ran, 3 were skipped. See "
            + "`src/main/java/App.java` line 118: `if (count > limit) { return Optional.empty(); }` and the table below.\n"
            + "| name | value |\n|---|---|\n| p99 | 12.5 ms |\n| errors | 0 |\nNew release notes: show the user what changed.\n";

    private ArgumentGuard arguments;
    private ResultGuard results;
    private GuardStage stage;
    private GuardSettings settings;
    private JsonNode args;
    private ObjectNode result1k;
    private ObjectNode result1m;
    private byte[] result1mBytes;
    private byte[] argsBytes;
    private Call call;

    @Setup
    public void setup() throws Exception {
        Resolver fixed = host -> List.of(InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 215, 14}));
        settings = GuardSettings.DEFAULTS;
        arguments = new ArgumentGuard(fixed);
        results = new ResultGuard();
        AuditLog none = new AuditLog() {
            @Override
            public void record(AuditEvent event) {
                throw new IllegalStateException("the benchmark's inputs must have no findings");
            }

            @Override
            public Optional<String> unavailable() {
                return Optional.empty();
            }
        };
        stage = new GuardStage(fixed, none, settings);
        args = Json.parse(ARGS_1KIB);
        argsBytes = Json.bytes(args);
        result1k = text(PARAGRAPH.repeat(1024 / PARAGRAPH.length() + 1).substring(0, 1024));
        result1m = text(PARAGRAPH.repeat((1 << 20) / PARAGRAPH.length() + 1).substring(0, 1 << 20));
        result1mBytes = Json.bytes(result1m);
        ObjectNode params = Json.object().put("name", "repo__search");
        params.set("arguments", args);
        call = new Call(CallKind.TOOL, "repo__search", params, Optional.empty(), null,
                Optional.of(new Call.Route("repo", "search")));
        if (argsBytes.length < 900 || argsBytes.length > 1200 || !arguments.inspect("repo__search", args,
                com.fasterxml.jackson.databind.node.MissingNode.getInstance(), settings, settings.modes()).isEmpty()
                || !results.inspect(result1m, settings.modes()).findings().isEmpty()) {
            throw new IllegalStateException("fixtures are not what the benchmark expects: " + argsBytes.length + " bytes");
        }
    }

    private static ObjectNode text(String t) {
        ObjectNode r = Json.object();
        r.putArray("content").addObject().put("type", "text").put("text", t);
        return r;
    }

    @Benchmark
    public Object arguments_1KiB() {
        return arguments.inspect("repo__search", args, com.fasterxml.jackson.databind.node.MissingNode.getInstance(), settings,
                settings.modes());
    }

    @Benchmark
    public Object result_1KiB() {
        return results.inspect(result1k, settings.modes());
    }

    @Benchmark
    public Object result_1MiB() {
        return results.inspect(result1m, settings.modes());
    }

    @Benchmark
    public JsonNode stage_1KiBCall1KiBResult() {
        return stage.handle(call, c -> result1k);
    }

    @Benchmark
    public JsonNode baseline_parseArguments1KiB() throws Exception {
        return Json.parse(argsBytes);
    }

    @Benchmark
    public JsonNode baseline_parseResult1MiB() throws Exception {
        return Json.parse(result1mBytes);
    }
}
