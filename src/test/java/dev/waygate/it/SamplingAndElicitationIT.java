package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server-to-client requests made by an upstream during a call (sampling, elicitation) reach the
 * client that made the call, and its answer goes back to the upstream: over Streamable HTTP and
 * legacy SSE.
 */
class SamplingAndElicitationIT {
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(30),
                "everything__trigger-sampling-request", "everything__trigger-elicitation-request");
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    static final String OPS = """
            [{"op":"callTool","name":"everything__trigger-sampling-request","arguments":{"prompt":"tell me a story","maxTokens":20}},
             {"op":"callTool","name":"everything__trigger-elicitation-request","arguments":{}}]""";

    @Test
    void samplingAndElicitationRoundTripOverStreamableHttp() throws Exception {
        check(NodeClient.http(gw.mcpUrl(), gw.key(), OPS));
    }

    @Test
    void samplingAndElicitationRoundTripOverLegacySse() throws Exception {
        check(NodeClient.sse(gw.sseUrl(), gw.key(), OPS));
    }

    static void check(JsonNode out) {
        String sampled = NodeClient.text(out, 0);
        assertThat(sampled).as("the upstream got the client's answer").contains("LLM sampling result")
                .contains("sampled: Resource trigger-sampling-request context: tell me a story")
                .contains("test-model");
        List<String> elicited = new ArrayList<>();
        NodeClient.result(out, 1).path("content").forEach(c -> elicited.add(c.path("text").asText()));
        assertThat(String.join("\n", elicited)).contains("User provided the requested information")
                .contains("- Name: test").contains("- Email: test@example.com");
        List<String> asked = new ArrayList<>();
        out.path("serverRequests").forEach(r -> asked.add(r.path("method").asText()));
        assertThat(asked).containsExactly("sampling/createMessage", "elicitation/create");
        JsonNode sampling = out.path("serverRequests").get(0).path("params");
        assertThat(sampling.path("systemPrompt").asText()).isEqualTo("You are a helpful test server.");
        assertThat(sampling.path("maxTokens").asInt()).isEqualTo(20);
    }
}
