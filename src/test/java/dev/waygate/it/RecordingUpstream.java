package dev.waygate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A remote MCP server (Streamable HTTP, JSON answers) with one tool, {@code whoami}, that records
 * the headers of every request it receives: what the gateway sends upstream, seen from upstream.
 */
final class RecordingUpstream implements AutoCloseable {
    /** One request as received: method, JSON-RPC method (or empty), and every header. */
    record Seen(String httpMethod, String rpcMethod, Map<String, List<String>> headers) {}

    private final HttpServer server;
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    RecordingUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mcp", this::serve);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
    }

    private void serve(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("POST")) {
                seen.add(new Seen(x.getRequestMethod(), "", Map.copyOf(x.getRequestHeaders())));
                x.sendResponseHeaders(x.getRequestMethod().equals("DELETE") ? 200 : 405, -1);
                return;
            }
            JsonNode msg = Json.parse(x.getRequestBody().readAllBytes());
            String method = msg.path("method").asText();
            seen.add(new Seen("POST", method, Map.copyOf(x.getRequestHeaders())));
            if (!msg.has("id") || !msg.has("method")) {
                x.sendResponseHeaders(202, -1);
                return;
            }
            ObjectNode reply = Json.object().put("jsonrpc", "2.0");
            reply.set("id", msg.get("id"));
            ObjectNode result = Json.object();
            switch (method) {
                case "initialize" -> {
                    result.put("protocolVersion", msg.path("params").path("protocolVersion").asText());
                    result.putObject("capabilities").putObject("tools");
                    result.putObject("serverInfo").put("name", "recorder").put("version", "1");
                    x.getResponseHeaders().set("Mcp-Session-Id", "rec-1");
                }
                case "tools/list" -> result.putArray("tools").addObject().put("name", "whoami").put("description", "echo")
                        .putObject("inputSchema").put("type", "object");
                case "tools/call" -> result.putArray("content").addObject().put("type", "text").put("text", "ok");
                case "ping" -> { }
                default -> {
                    reply.putObject("error").put("code", -32601).put("message", "no such method");
                    result = null;
                }
            }
            if (result != null) {
                reply.set("result", result);
            }
            byte[] body = Json.bytes(reply);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
