package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway keeps answering when the virtual-thread scheduler has a single carrier and may not
 * add any: nothing that blocks for long in native code (the stdio upstreams' pipe reads) may run
 * on a virtual thread. Found by bench/load on 2 cores: two upstream pipe reads pinned both carriers
 * and the gateway stopped answering altogether.
 */
class OneCarrierIT {
    @Test
    void stdioUpstreamsDoNotStarveRequests() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                  memory: { command: node, args: ["%s"], env: { MEMORY_FILE_PATH: "%s" } }
                """.formatted(GatewayFixture.everything(), GatewayFixture.memory(),
                System.getProperty("java.io.tmpdir") + "/waygate-it-onecarrier-" + ProcessHandle.current().pid() + ".jsonl"));
        GatewayProcess gw = GatewayProcess.start(p, "one-carrier",
                List.of("-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1"));
        try {
            McpSession s = new McpSession(gw.mcpUrl(), p.key());
            for (int i = 0; i < 5; i++) {
                JsonNode r = s.call("everything__echo", "{\"message\":\"carrier-" + i + "\"}");
                assertThat(r.path("result").path("content").path(0).path("text").asText()).contains("carrier-" + i);
            }
        } finally {
            gw.stop();
        }
    }
}
