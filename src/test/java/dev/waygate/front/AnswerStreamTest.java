package dev.waygate.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real Jetty server and HTTP client around {@link AnswerStream}: what goes on the wire when the
 * answer comes alone, after a notification, after a keep-alive, and to an SSE-only client.
 */
class AnswerStreamTest {
    private Server server;

    /** What the handler does with the stream before it answers. */
    interface Call {
        void run(AnswerStream a) throws Exception;
    }

    private URI serve(Duration keepalive, boolean jsonAllowed, Call call) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(pool);
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                AnswerStream a = AnswerStream.open(response, keepalive, jsonAllowed);
                call.run(a);
                a.answer(Optional.of(Json.parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}")), callback);
                return true;
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + c.getLocalPort() + "/");
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void anAnswerAloneIsOneJsonBody() throws Exception {
        HttpResponse<String> r = get(serve(Duration.ofSeconds(15), true, a -> {}));
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonNode body = Json.parse(r.body());
        assertTrue(body.path("result").path("ok").asBoolean(), r.body());
    }

    @Test
    void anSseOnlyClientGetsOneEvent() throws Exception {
        HttpResponse<String> r = get(serve(Duration.ofSeconds(15), false, a -> {}));
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        assertEquals("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\n\n", r.body());
    }

    @Test
    void aNotificationFirstMakesAnEventStreamWithTheAnswerLast() throws Exception {
        HttpResponse<String> r = get(serve(Duration.ofSeconds(15), true, a -> {
            assertTrue(a.send(Json.parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}")));
        }));
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        String[] events = r.body().split("\n\n");
        assertEquals(2, events.length, r.body());
        assertTrue(events[0].contains("notifications/progress"), r.body());
        assertTrue(events[1].contains("\"id\":1"), r.body());
    }

    @Test
    void aLongCallGetsAKeepaliveBeforeItsAnswer() throws Exception {
        // the call is still running when the keep-alive sweep finds its deadline passed
        HttpResponse<String> r = get(serve(Duration.ofSeconds(15), true,
                a -> AnswerStream.Keepalives.sweep(System.nanoTime() + Duration.ofSeconds(16).toNanos())));
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        assertTrue(r.body().startsWith(":\n\n"), r.body());
        assertTrue(r.body().endsWith("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\n\n"), r.body());
    }

    @Test
    void nothingIsSentAfterTheAnswer() throws Exception {
        AnswerStream[] kept = new AnswerStream[1];
        HttpResponse<String> r = get(serve(Duration.ofSeconds(15), true, a -> kept[0] = a));
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        assertFalse(kept[0].send(Json.parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}")),
                "a notification after the answer has nowhere to go");
    }
}
