package dev.waygate.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the v2 TypeScript SDK client ({@code @modelcontextprotocol/client} 2.x, fixtures/node/client/mcp-client-v2.mjs),
 * pinned to protocol 2026-07-28 unless told otherwise: a modern client from another codebase.
 */
public final class NodeClientV2 {
    private NodeClientV2() {}

    public static JsonNode http(String url, String key, String ops, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--transport", "http", "--url", url, "--trace",
                "--header", "Authorization: Bearer " + key));
        args.addAll(List.of(extra));
        return run(args, ops);
    }

    public static JsonNode run(List<String> args, String ops) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", GatewayFixture.NODE.resolve("client/mcp-client-v2.mjs").toString()));
        cmd.addAll(args);
        cmd.addAll(List.of("--ops", ops));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("client did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new AssertionError("client printed no JSON (exit " + p.exitValue() + "): " + text);
        }
    }
}
