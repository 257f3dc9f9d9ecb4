package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Checks the progress a client saw for one call of server-everything's trigger-long-running-operation.
 *
 * <p>server-everything does not order its last progress notification before its result: called
 * directly over stdio, with no gateway, the SDK client misses step N about half the time ("progress
 * notification for an unknown token"). So steps 1..N-1 must arrive, in order and under the client's
 * own token; step N may be missing, because it came after the response (when the SDK no longer
 * accepts it, and the gateway may drop it as no longer active).
 */
final class Progress {
    private Progress() {}

    static void check(JsonNode out, int op, int steps) {
        List<Integer> seen = new ArrayList<>();
        NodeClient.result(out, op).path("progress").forEach(p -> {
            seen.add(p.path("progress").asInt());
            assertThat(p.path("total").asInt()).isEqualTo(steps);
        });
        List<Integer> all = IntStream.rangeClosed(1, steps).boxed().toList();
        assertThat(all.subList(0, Math.min(seen.size(), steps))).as("progress of op %d", op).isEqualTo(seen);
        assertThat(seen.size()).as("progress of op %d: %s; notifications: %s", op, seen, out.path("notifications"))
                .isBetween(steps - 1, steps);
        out.path("notifications").forEach(n -> {
            if (n.path("method").asText().equals("notifications/progress")) {
                assertThat(n.path("params").path("progressToken").isIntegralNumber())
                        .as("the client's token, not the gateway's: %s", n).isTrue();
            }
        });
    }
}
