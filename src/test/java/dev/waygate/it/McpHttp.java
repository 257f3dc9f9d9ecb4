package dev.waygate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw HTTP against {@code /mcp} with {@link HttpClient}: for what a well-behaved SDK client never
 * sends (malformed bodies, wrong headers), and for reading the status codes themselves.
 */
public final class McpHttp {
    public static final String JSON = "application/json";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final String key;
    private final AtomicLong ids = new AtomicLong();

    public McpHttp(String url, String key) {
        this.url = url;
        this.key = key;
    }

    /** A POST of {@code body} with the key, JSON content type, the Accept the spec asks for, and these extra headers. */
    public HttpResponse<String> post(String body, Map<String, String> headers) throws IOException, InterruptedException {
        return postTo(url, body, headers);
    }

    public HttpResponse<String> postTo(String target, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target)).timeout(TIMEOUT)
                .header("Content-Type", JSON)
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        headers.forEach(b::setHeader);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Initializes a session with this protocol version; returns the response (its body is the JSON-RPC reply). */
    public HttpResponse<String> initialize(String protocolVersion) throws IOException, InterruptedException {
        ObjectNode params = Json.object().put("protocolVersion", protocolVersion);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "waygate-it-raw").put("version", "1");
        return post(Json.write(request("initialize", params)), Map.of());
    }

    /** Initializes a session (and sends notifications/initialized); returns its id. */
    public String session() throws IOException, InterruptedException {
        HttpResponse<String> r = initialize("2025-11-25");
        if (r.statusCode() != 200) {
            throw new AssertionError("initialize: HTTP " + r.statusCode() + " " + r.body());
        }
        String id = r.headers().firstValue("Mcp-Session-Id").orElseThrow(() -> new AssertionError("no Mcp-Session-Id"));
        post(Json.write(Json.object().put("jsonrpc", "2.0").put("method", "notifications/initialized")), headers(id));
        return id;
    }

    public static Map<String, String> headers(String session) {
        return Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25");
    }

    public ObjectNode request(String method, JsonNode params) {
        ObjectNode m = Json.object().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method);
        if (params != null) {
            m.set("params", params);
        }
        return m;
    }

    /** The JSON-RPC response in a reply: the body itself, or the last SSE event carrying an id. */
    public static JsonNode reply(HttpResponse<String> r) throws IOException {
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/event-stream")) {
            return Json.parse(r.body());
        }
        JsonNode last = null;
        for (String event : r.body().split("\n\n")) {
            StringBuilder data = new StringBuilder();
            event.lines().filter(l -> l.startsWith("data:")).forEach(l -> data.append(l.substring(5).strip()));
            if (!data.isEmpty()) {
                JsonNode m = Json.parse(data.toString());
                if (m.has("id") && !m.has("method")) {
                    last = m;
                }
            }
        }
        if (last == null) {
            throw new AssertionError("no JSON-RPC response in the event stream: " + r.body());
        }
        return last;
    }

    /** Calls a method in a session and returns the JSON-RPC response. */
    public JsonNode call(String session, String method, JsonNode params) throws IOException, InterruptedException {
        HttpResponse<String> r = post(Json.write(request(method, params)), headers(session));
        if (r.statusCode() != 200) {
            throw new AssertionError(method + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return reply(r);
    }

    /** An open legacy {@code GET /sse} stream: where to POST, and the stream's lines. */
    public record LegacySse(String messageUrl, java.util.Iterator<String> lines, java.util.stream.Stream<String> stream)
            implements AutoCloseable {
        /** The next {@code data:} line's JSON (the next message the gateway sent on the stream). */
        public JsonNode next() throws IOException {
            while (lines.hasNext()) {
                String l = lines.next();
                if (l.startsWith("data:")) {
                    return Json.parse(l.substring(5).strip());
                }
            }
            throw new AssertionError("the event stream ended");
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    /** Opens {@code GET /sse} with the key and reads the endpoint event. */
    public LegacySse openSse(String sseUrl) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sseUrl)).header("Accept", "text/event-stream").GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        HttpResponse<java.util.stream.Stream<String>> r = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            r.body().close();
            throw new AssertionError("GET /sse: HTTP " + r.statusCode());
        }
        java.util.Iterator<String> lines = r.body().iterator();
        while (lines.hasNext()) {
            String l = lines.next();
            if (l.equals("event: endpoint") && lines.hasNext()) {
                String path = lines.next().substring("data:".length()).strip();
                return new LegacySse(URI.create(sseUrl).resolve(path).toString(), lines, r.body());
            }
        }
        throw new AssertionError("no endpoint event on " + sseUrl);
    }

    /** Every tool name, following cursors. */
    public List<String> toolNames(String session) throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        String cursor = null;
        do {
            ObjectNode params = Json.object();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode result = call(session, "tools/list", params).path("result");
            result.path("tools").forEach(t -> names.add(t.path("name").asText()));
            cursor = result.path("nextCursor").asText(null);
        } while (cursor != null);
        return names;
    }
}
