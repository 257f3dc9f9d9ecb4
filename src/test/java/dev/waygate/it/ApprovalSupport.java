package dev.waygate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.waygate.mcp.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** What the approval tests share: REST calls on /approvals and a webhook receiver on loopback. */
final class ApprovalSupport {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private ApprovalSupport() {}

    record Rest(int status, JsonNode body) {}

    static Rest get(String base, String key, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Rest(r.statusCode(), Json.parse(r.body()));
    }

    static Rest post(String base, String key, String path, String json) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        return new Rest(r.statusCode(), Json.parse(r.body()));
    }

    /** Waits for the pending approval of this tool that is not in {@code seen} (ids), as the approver sees it. */
    static JsonNode awaitPending(String base, String approverKey, String tool, java.util.Set<String> seen) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode a : get(base, approverKey, "/approvals").body().path("approvals")) {
                if (a.path("tool").asText().equals(tool) && !seen.contains(a.path("id").asText())) {
                    seen.add(a.path("id").asText());
                    return a;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no pending approval for " + tool + " within 60 s");
    }

    /** Waits until the approval reaches this state. */
    static JsonNode awaitState(String base, String key, String id, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = get(base, key, "/approvals/" + id).body();
            if (last.path("state").asText().equals(state)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("approval " + id + " not " + state + " within 60 s: " + last);
    }

    /** One request a webhook receiver got. */
    record Hook(String path, Map<String, java.util.List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().getFirst()).orElse(null);
        }
    }

    /** A JDK HttpServer on loopback: records every request; {@code failFirst} requests on /hook get 503 first. */
    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final BlockingQueue<Hook> received = new LinkedBlockingQueue<>();
        final AtomicInteger failuresLeft;

        Receiver(int failFirst) throws Exception {
            failuresLeft = new AtomicInteger(failFirst);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                int status = 200;
                if (ex.getRequestURI().getPath().equals("/hook") && failuresLeft.getAndDecrement() > 0) {
                    status = 503;
                } else {
                    received.add(new Hook(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body));
                }
                ex.sendResponseHeaders(status, -1);
                ex.close();
            });
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
