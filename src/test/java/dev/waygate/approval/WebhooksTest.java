package dev.waygate.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.config.ApprovalsConfig;
import dev.waygate.mcp.Json;
import dev.waygate.policy.Risk;
import java.net.URI;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Slack payload cannot be made to link or mention by a hostile tool or principal name. */
class WebhooksTest {
    @Test
    void slackControlCharactersInNamesAreEscaped() throws Exception {
        ApprovalsConfig.Webhook hook = new ApprovalsConfig.Webhook("chat", URI.create("https://hooks.example/x"),
                ApprovalsConfig.Format.SLACK, 1);
        Webhooks w = new Webhooks(List.of(hook), Signing.loadOrCreate(Files.createTempDirectory("wh")),
                () -> "https://gw.example/dashboard/");
        Approval a = new Approval("ap_0a", Approval.State.PENDING, "<!channel>", "srv__x<https://evil.example|click>",
                "srv", "r", Risk.HIGH, Json.object().put("cmd", "<@U123>"), Json.MAPPER.createArrayNode(), Set.of("approver"),
                1, List.of(), "s", Instant.now(), Instant.now().plusSeconds(60), "");
        JsonNode body = Json.parse(w.payload(hook, a));
        String text = body.path("text").asText();
        assertThat(text).contains("&lt;!channel&gt;").contains("srv__x&lt;https://evil.example|click&gt;")
                .doesNotContain("<!channel>").doesNotContain("<https://evil.example");
        assertThat(text).contains("<https://gw.example/dashboard/?approval=ap_0a&exp=");
        assertThat(text).as("arguments stay out of chat").doesNotContain("U123");
        assertThat(body.path("blocks").get(0).path("text").path("text").asText()).isEqualTo(text);
    }
}
