package dev.waygate.egress;

import dev.waygate.auth.AuthResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Refusals written to proxy clients, and the identification step both handlers share. */
final class Answers {
    private Answers() {}

    /** Plain text, the reason in {@link Refusal#HEADER}, the connection closed after it. */
    static void refuse(Response response, Callback callback, String reason, String rule) {
        int status = Refusal.status(reason);
        response.setStatus(status);
        response.getHeaders().put(Refusal.HEADER, reason);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        if (status == 407) {
            response.getHeaders().put(HttpHeader.PROXY_AUTHENTICATE, "Basic realm=\"waygate\", charset=\"UTF-8\"");
        }
        if (status == 429) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        }
        byte[] body = ("waygate: " + Refusal.message(reason, rule) + "\n").getBytes(StandardCharsets.UTF_8);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** The principal, or empty after answering 407 (or 503 when credentials cannot be checked now). */
    static Optional<dev.waygate.auth.Principal> identify(Egress egress, Request request, Response response, Callback callback) {
        String header = request.getHeaders().get(HttpHeader.PROXY_AUTHORIZATION);
        var remote = request.getConnectionMetaData().getRemoteSocketAddress();
        java.net.InetAddress address = remote instanceof java.net.InetSocketAddress isa ? isa.getAddress() : null;
        AuthResult r = egress.identify(header, address);
        if (r.principal().isPresent()) {
            return r.principal();
        }
        if (r.rejection().isPresent() && r.rejection().get().unavailable()) {
            refuse(response, callback, "auth_unavailable", "");
            return Optional.empty();
        }
        egress.unauthenticated(header != null, Request.getRemoteAddr(request));
        refuse(response, callback, header == null ? "unauthenticated" : "invalid_api_key", "");
        return Optional.empty();
    }
}
