package dev.waygate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.pipeline.DeniedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole corpus ({@code guard/hostile.jsonl}, {@code guard/benign.jsonl}) through the guard
 * stage with the corpus configuration: every hostile input is denied by the expected detector (or,
 * for results, redacted or reported by it), every benign input passes unchanged with no finding.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardCorpusTest {
    @TempDir
    static Path dir;
    static GuardFixture fx;
    private final List<String> scores = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        fx = new GuardFixture(dir, "");
    }

    static List<JsonNode> corpus(String name) throws IOException {
        try (InputStream in = GuardCorpusTest.class.getResourceAsStream("/guard/" + name)) {
            List<JsonNode> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(Json.parse(line));
                }
            }
            return out;
        }
    }

    static Stream<Arguments> hostile() throws IOException {
        return corpus("hostile.jsonl").stream().map(n -> Arguments.of(n.path("detector").asText() + ": " + n.path("note").asText(), n));
    }

    static Stream<Arguments> benign() throws IOException {
        return corpus("benign.jsonl").stream().map(n -> Arguments.of(n.path("note").asText(), n));
    }

    /** Placeholders replaced in every string and key of the tree. */
    static JsonNode expand(JsonNode n) {
        if (n.isTextual()) {
            return Json.MAPPER.getNodeFactory().textNode(Fakes.expand(n.textValue(), fx.root.toString()));
        }
        if (n.isArray()) {
            var a = Json.MAPPER.createArrayNode();
            n.forEach(x -> a.add(expand(x)));
            return a;
        }
        if (n.isObject()) {
            var o = Json.object();
            n.properties().forEach(e -> o.set(Fakes.expand(e.getKey(), fx.root.toString()), expand(e.getValue())));
            return o;
        }
        return n;
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostile")
    void hostileInputIsStopped(String label, JsonNode entry) throws IOException {
        fx.events.clear();
        String detector = entry.path("detector").asText();
        if (entry.path("direction").asText("in").equals("out")) {
            String text = Fakes.expand(entry.path("text").asText(), fx.root.toString());
            JsonNode out = fx.run(GuardFixture.call("echo__echo", Json.object()), c -> GuardFixture.textResult(text));
            assertThat(fx.findings()).extracting(Finding::detector).contains(detector);
            if (entry.path("expect").asText().equals("redact")) {
                assertThat(out.toString()).contains("[REDACTED:").doesNotContain(text);
                for (String fake : Fakes.ALL.values()) {
                    assertThat(out.toString()).doesNotContain(fake);
                }
            } else {
                assertThat(out).isEqualTo(GuardFixture.textResult(text)); // reported, passed unchanged
            }
            return;
        }
        JsonNode args = expand(entry.path("arguments"));
        DeniedException e = catchThrowableOfType(DeniedException.class,
                () -> fx.run(GuardFixture.call(entry.path("tool").asText(), args), c -> GuardFixture.textResult("ran")));
        assertThat(e).as("denied: %s", args).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCodes.GUARD_DENIED);
        JsonNode data = e.data().orElseThrow();
        assertThat(data.path("detector").asText()).as(e.getMessage()).isEqualTo(detector);
        assertThat(data.path("reason").asText()).isEqualTo(GuardStage.REASON);
        assertThat(data.path("path").asText()).startsWith("$");
        for (String fake : Fakes.ALL.values()) {
            assertThat(e.getMessage() + data + fx.events).doesNotContain(fake);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("benign")
    void benignInputPasses(String label, JsonNode entry) throws IOException {
        fx.events.clear();
        if (entry.path("direction").asText("in").equals("out")) {
            String text = entry.path("text").asText();
            JsonNode out = fx.run(GuardFixture.call("echo__echo", Json.object()), c -> GuardFixture.textResult(text));
            assertThat(out).isEqualTo(GuardFixture.textResult(text));
            assertThat(fx.findings()).isEmpty();
            return;
        }
        JsonNode args = expand(entry.path("arguments"));
        JsonNode out = fx.run(GuardFixture.call(entry.path("tool").asText(), args), c -> GuardFixture.textResult("ran"));
        assertThat(out.path("content").path(0).path("text").asText()).isEqualTo("ran");
        assertThat(fx.findings()).as("no finding for %s", args).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void corpusIsLargeEnough() throws IOException {
        assertThat(corpus("hostile.jsonl")).hasSizeGreaterThanOrEqualTo(100);
        assertThat(corpus("benign.jsonl")).hasSizeGreaterThanOrEqualTo(50);
    }
}
