package dev.waygate.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the official TypeScript SDK client (fixtures/node/client/mcp-client.mjs) against the
 * gateway and returns what it printed: a client from another codebase is the proof.
 */
public final class NodeClient {
    private NodeClient() {}

    public static JsonNode http(String url, String key, String ops) throws Exception {
        return run(httpArgs(url, key), ops);
    }

    public static JsonNode sse(String url, String key, String ops) throws Exception {
        return run(sseArgs(url, key), ops);
    }

    /** The official client launching {@code command args} as a stdio MCP server, with {@code env} added to its environment. */
    public static JsonNode stdio(List<String> command, java.util.Map<String, String> env, String ops) throws Exception {
        List<String> args = new ArrayList<>(List.of("--transport", "stdio", "--command", command.getFirst()));
        command.subList(1, command.size()).forEach(a -> args.addAll(List.of("--arg", a)));
        env.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
        return run(args, ops);
    }

    /** {@link #run} on its own thread, for several clients at once. */
    public static java.util.concurrent.CompletableFuture<JsonNode> async(List<String> args, String ops) {
        var f = new java.util.concurrent.CompletableFuture<JsonNode>();
        Thread.ofVirtual().name("node-client").start(() -> {
            try {
                f.complete(run(args, ops));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    public static List<String> httpArgs(String url, String key) {
        return List.of("--transport", "http", "--url", url, "--header", "Authorization: Bearer " + key);
    }

    public static List<String> sseArgs(String url, String key) {
        return List.of("--transport", "sse", "--url", url, "--header", "Authorization: Bearer " + key);
    }

    public static JsonNode run(List<String> args, String ops) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", GatewayFixture.NODE.resolve("client/mcp-client.mjs").toString()));
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

    /** The error of the op at this index, failing if the op succeeded. */
    public static JsonNode error(JsonNode out, int index) {
        JsonNode r = out.path("results").get(index);
        if (r == null || r.path("ok").asBoolean()) {
            throw new AssertionError("op " + index + " did not fail: " + r);
        }
        return r.path("error");
    }

    /** The text of the first content item of a tool result. */
    public static String text(JsonNode out, int index) {
        return result(out, index).path("content").path(0).path("text").asText();
    }

    /** The result of the op at this index, failing with the client's error if it failed. */
    public static JsonNode result(JsonNode out, int index) {
        JsonNode r = out.path("results").get(index);
        if (r == null || !r.path("ok").asBoolean()) {
            throw new AssertionError("op " + index + " failed: " + r);
        }
        return r.path("result");
    }
}
