package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Small helpers for the blocking (virtual-thread) handlers: bounded body reads and JSON answers. */
final class Http {
    private Http() {}

    /** Thrown when a body exceeds the configured limit. */
    static final class TooLarge extends IOException {
        TooLarge(long limit) {
            super("request body larger than " + limit + " bytes");
        }
    }

    static byte[] readBody(Request request, long limit) throws IOException {
        long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared > limit) {
            throw new TooLarge(limit);
        }
        try (InputStream in = Request.asInputStream(request)) {
            if (declared >= 0) {
                // The usual case: one array of the right size (reading up to the limit allocated
                // 16 KiB and a copy per request). Jetty ends the content at the declared length.
                byte[] b = new byte[(int) declared];
                int n = in.readNBytes(b, 0, b.length);
                if (n < b.length) {
                    throw new java.io.EOFException("the body ended after " + n + " of " + declared + " bytes");
                }
                return b;
            }
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (b.length > limit) {
                throw new TooLarge(limit);
            }
            return b;
        }
    }

    /**
     * The request's body as a JSON object; an empty body is an empty object.
     *
     * @throws IllegalArgumentException naming the limit, when the body is too large, not JSON or not an object
     */
    static com.fasterxml.jackson.databind.node.ObjectNode jsonObject(Request request, long limit) {
        try {
            byte[] b = readBody(request, limit);
            com.fasterxml.jackson.databind.JsonNode n = b.length == 0 ? dev.waygate.mcp.Json.object() : dev.waygate.mcp.Json.parse(b);
            if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                return o;
            }
        } catch (IOException | RuntimeException e) {
            // falls through to the one message below: too large, malformed or a duplicate key
        }
        throw new IllegalArgumentException("the body must be a JSON object of at most " + limit + " bytes");
    }

    /** Asks for the connection to be closed after this response (sent before the request body was read). */
    static void closeAfter(Response response) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    static void json(Response response, Callback callback, int status, JsonNode body) {
        send(response, callback, status, "application/json", Json.bytes(body));
    }

    /** The REST error shape: {@code {"error": {"code": "...", "message": "..."}}}. */
    static void error(Response response, Callback callback, int status, String code, String message) {
        ObjectNode body = Json.object();
        body.putObject("error").put("code", code).put("message", message);
        json(response, callback, status, body);
    }

    static void empty(Response response, Callback callback, int status) {
        response.setStatus(status);
        response.write(true, null, callback);
    }

    static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    static void text(Response response, Callback callback, int status, String text) {
        send(response, callback, status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    static boolean accepts(Request request, String type) {
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        return accept != null && (accept.contains(type) || accept.contains("*/*"));
    }

    static void writeBlocking(Response response, boolean last, byte[] bytes) throws IOException {
        Content.Sink.write(response, last, ByteBuffer.wrap(bytes));
    }
}
