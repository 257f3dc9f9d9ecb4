package dev.waygate.front;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A response that never leaves its connection unusable without saying so. A handler may answer
 * (401, 403, 404, 405, ...) before it reads the request's body. Once such a response is complete,
 * Jetty closes the connection if the body has not all arrived; by then the response has gone out
 * without {@code Connection: close}, and a client that reused the connection had its next request
 * cut off with no answer (the JDK client retries a GET then, never a POST). So before the write that
 * commits a response:
 * <ul>
 *   <li>a body of at most {@link #MAX_DRAIN} declared bytes is read to its end and discarded first
 *       (asynchronously: no thread waits for it; a body already read ends at once), and the connection
 *       stays usable;
 *   <li>a larger body, one of unknown length or one the client sends only after {@code 100 Continue}
 *       is not waited for: what has arrived is discarded and, if that is not all of it, Jetty marks
 *       the connection not persistent, so the answer says {@code Connection: close}.
 * </ul>
 */
final class EarlyAnswer extends Response.Wrapper {
    /** The largest unread body waited for before an answer (a refusal of a bigger one closes the connection). */
    static final long MAX_DRAIN = 64 * 1024;

    private boolean checked;

    EarlyAnswer(Request request, Response response) {
        super(request, response);
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        if (checked || isCommitted()) {
            super.write(last, content, callback);
            return;
        }
        checked = true;
        Request request = getRequest();
        long length = request.getLength();
        if (length > 0 && length <= MAX_DRAIN && !request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString())) {
            Content.Source.consumeAll(request, Callback.from(() -> super.write(last, content, callback), failure -> {
                Http.closeAfter(getWrapped());
                super.write(last, content, callback);
            }));
        } else {
            // Non-blocking; when the body has not all arrived, Jetty adds Connection: close to this answer.
            request.consumeAvailable();
            super.write(last, content, callback);
        }
    }
}
