package dev.waygate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import java.nio.charset.StandardCharsets;
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
 * The gateway's one mapper ({@link Json}: duplicate-key detection on) on a typical tools/call
 * request (~0.5 KiB) and its result (~1.5 KiB): parse + {@link JsonRpc#validate}, and serialise.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class JsonRpcBench {
    static final String REQUEST = """
            {"jsonrpc":"2.0","id":4711,"method":"tools/call","params":{"name":"github__create_issue",
            "arguments":{"owner":"waygate-dev","repo":"waygate","title":"Audit writer stalls when the disk is full",
            "body":"Steps: fill the disk, send a tools/call, observe that the call is refused with audit_unavailable and that /ready reports it. Expected: recovery when space returns. Seen: recovery only after a restart.",
            "labels":["bug","audit","p1"],"assignees":["alice"],"milestone":3},
            "_meta":{"progressToken":"pt-4711-2f9c"}}}""";

    private static final String TEXT = "Created issue #1234 in waygate-dev/waygate: Audit writer stalls when the disk is full. "
            .repeat(10);
    static final String RESULT = """
            {"jsonrpc":"2.0","id":4711,"result":{"content":[{"type":"text","text":"%s"}],
            "structuredContent":{"number":1234,"url":"https://github.com/waygate-dev/waygate/issues/1234","state":"open",
            "labels":["bug","audit","p1"],"created_at":"2026-11-02T10:15:30Z"},"isError":false}}""".formatted(TEXT);

    private byte[] requestBytes;
    private byte[] resultBytes;
    private JsonNode request;
    private JsonNode result;

    @Setup
    public void setup() throws Exception {
        requestBytes = REQUEST.getBytes(StandardCharsets.UTF_8);
        resultBytes = RESULT.getBytes(StandardCharsets.UTF_8);
        request = Json.parse(requestBytes);
        result = Json.parse(resultBytes);
        JsonRpc.validate(request);
        JsonRpc.validate(result);
    }

    @Benchmark
    public JsonNode parseAndValidate_request() throws Exception {
        JsonNode m = Json.parse(requestBytes);
        JsonRpc.validate(m);
        return m;
    }

    @Benchmark
    public byte[] serialise_request() {
        return Json.bytes(request);
    }

    @Benchmark
    public JsonNode parseAndValidate_result() throws Exception {
        JsonNode m = Json.parse(resultBytes);
        JsonRpc.validate(m);
        return m;
    }

    @Benchmark
    public byte[] serialise_result() {
        return Json.bytes(result);
    }
}
