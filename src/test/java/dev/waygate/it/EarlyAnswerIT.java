package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Answers the gateway gives before it reads a request's body (401, 403, 404, 405, 415): the answer
 * reaches the client and the connection stays usable, or the answer says {@code Connection: close}.
 * Jetty closes a connection whose request body was not read once the response is complete; had the
 * answer not said so, a client that reused the connection had its next request cut off with no reply
 * (the JDK client retries a GET then, but never a POST).
 */
class EarlyAnswerIT {
    static GatewayFixture gw;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("servers: {}\n");
        admin = gw.createKey("root", "admin");
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    /** A body the JDK client sends {@code delayMs} after the headers, as a loaded client does. */
    static HttpRequest.BodyPublisher late(String body, long delayMs) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return HttpRequest.BodyPublishers.fromPublisher(subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private boolean sent;

            @Override
            public void request(long n) {
                if (sent) {
                    return;
                }
                sent = true;
                Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(delayMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    subscriber.onNext(ByteBuffer.wrap(bytes));
                    subscriber.onComplete();
                });
            }

            @Override
            public void cancel() {}
        }), bytes.length);
    }

    static HttpRequest post(String path, String key, HttpRequest.BodyPublisher body) {
        return HttpRequest.newBuilder(URI.create(gw.base() + path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(body).build();
    }

    @Test
    void aPostRefusedBeforeItsBodyArrivedLeavesTheClientsNextPostAnswered() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> refused = http.send(post("/tools/pins/greet/approve", gw.key(), late("{}", 100)),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
            assertThat(refused.body()).contains("needs the admin role");
            // The next POST goes out on the same pooled connection at once.
            HttpResponse<String> next = http.send(post("/tools/pins/greet/approve", admin, HttpRequest.BodyPublishers.ofString("{}")),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(next.statusCode()).as(next.body()).isEqualTo(404);
        }
    }

    @Test
    void aRefusalWaitsForASmallBodyAndKeepsTheConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw.gateway().port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(head("POST /mcp/tools HTTP/1.1", "Content-Length: 2").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(200);
            out.write("{}".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String first = response(s.getInputStream());
            assertThat(first).startsWith("HTTP/1.1 405").doesNotContainIgnoringCase("connection: close");
            out.write(head("GET /health HTTP/1.1").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(response(s.getInputStream())).as("a second request on the same connection").startsWith("HTTP/1.1 200");
        }
    }

    /** The usual case: the handler read the body; its answer keeps the connection (no close per call). */
    @Test
    void anAnswerAfterTheBodyWasReadKeepsTheConnection() throws Exception {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
        try (Socket s = new Socket("127.0.0.1", gw.gateway().port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < 3; i++) {
                out.write((head("POST /mcp HTTP/1.1", "Content-Type: application/json", "Accept: application/json, text/event-stream",
                        "Content-Length: " + init.length()) + init).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = response(s.getInputStream());
                assertThat(answer).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close").contains("\"protocolVersion\"");
            }
        }
    }

    @Test
    void aBodyTooLargeToWaitForIsRefusedAtOnceWithConnectionClose() throws Exception {
        for (String framing : new String[] {"Content-Length: 50000000", "Transfer-Encoding: chunked"}) {
            try (Socket s = new Socket("127.0.0.1", gw.gateway().port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(head("POST /mcp/tools HTTP/1.1", framing).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = response(s.getInputStream());
                assertThat(answer).as(framing).startsWith("HTTP/1.1 405").containsIgnoringCase("connection: close");
            }
        }
    }

    @Test
    void anUnauthenticatedPostIsAnsweredAndTheConnectionClosedCleanly() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> refused = http.send(post("/mcp", "wrong-key", late("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 100)),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("Connection")).hasValue("close");
            HttpResponse<String> next = http.send(post("/tools/pins/greet/approve", admin, HttpRequest.BodyPublishers.ofString("{}")),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(next.statusCode()).isEqualTo(404);
        }
    }

    static String head(String line, String... headers) {
        StringBuilder b = new StringBuilder(line).append("\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ").append(admin).append("\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /** One response (headers and a Content-Length body) read off the socket, as text. */
    static String response(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return head.toString(StandardCharsets.US_ASCII) + "<EOF>";
                }
                head.write(c);
            }
        } catch (SocketTimeoutException e) {
            return head.toString(StandardCharsets.US_ASCII) + "<no answer>";
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        int length = h.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.substring(15).trim())).findFirst().orElse(0);
        return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
