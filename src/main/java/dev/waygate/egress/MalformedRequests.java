package dev.waygate.egress;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error page for requests its parser refused (400 for conflicting framing or a bad
 * request line, 431 for oversized headers), counted and audited as security violations: request
 * smuggling attempts end here.
 */
final class MalformedRequests extends ErrorHandler {
    private final Egress egress;

    MalformedRequests(Egress egress) {
        this.egress = egress;
        setShowStacks(false);
        setShowMessageInTitle(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Object status = request.getAttribute(ERROR_STATUS);
        int code = status instanceof Integer i ? i : response.getStatus();
        if (code == 400 || code == 431) {
            egress.malformed(code, Request.getRemoteAddr(request));
        }
        return super.handle(request, response, callback);
    }
}
