package dev.waygate.upstream;

import dev.waygate.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;

/** What the two remote transports share: one HTTP client, the configured headers, bounded reads. */
final class HttpTransports {
    static final int MAX_MESSAGE_CHARS = 16 * 1024 * 1024;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private HttpTransports() {}

    static HttpClient client() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    static HttpRequest.Builder withHeaders(HttpRequest.Builder b, ServerConfig config) {
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            b.header(h.getKey(), h.getValue());
        }
        dev.waygate.audit.Correlation.current().ifPresent(id -> b.header(dev.waygate.audit.Correlation.RESPONSE_HEADER, id));
        return b;
    }

    static HttpResponse<InputStream> send(HttpClient client, HttpRequest request) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    static boolean isEventStream(HttpResponse<?> r) {
        return r.headers().firstValue("Content-Type").orElse("").toLowerCase().startsWith("text/event-stream");
    }

    static byte[] readBounded(InputStream in) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(MAX_MESSAGE_CHARS + 1);
            if (b.length > MAX_MESSAGE_CHARS) {
                throw new IOException("response larger than " + MAX_MESSAGE_CHARS + " bytes");
            }
            return b;
        }
    }

    static void discard(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.readNBytes(64 * 1024);
        } catch (IOException e) {
            // nothing to do
        }
    }
}
