package dev.waygate.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A minimal raw JSON-RPC session on /mcp (initialized once), for tests that look at HTTP headers and exact errors. */
final class McpSession {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    private final String url;
    private final String key;
    private String session;
    private int id;

    McpSession(String url, String key) throws Exception {
        this.url = url;
        this.key = key;
        HttpResponse<String> r = post("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"audit-it\",\"version\":\"1\"}}}");
        session = r.headers().firstValue("Mcp-Session-Id").orElseThrow(() -> new AssertionError("no session: " + r.body()));
        post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    HttpResponse<String> post(String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .header("Accept", "application/json").header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            b.header("Mcp-Session-Id", session);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** tools/call; returns the whole JSON-RPC response. */
    JsonNode call(String tool, String argumentsJson) throws Exception {
        return Json.parse(callRaw(tool, argumentsJson).body());
    }

    HttpResponse<String> callRaw(String tool, String argumentsJson) throws Exception {
        return post("{\"jsonrpc\":\"2.0\",\"id\":" + (++id) + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + argumentsJson + "}}");
    }
}
