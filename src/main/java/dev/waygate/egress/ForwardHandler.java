package dev.waygate.egress;

import dev.waygate.auth.Principal;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Plain HTTP in absolute form ({@code GET http://host/path HTTP/1.1}), forwarded by Jetty's
 * {@link ProxyHandler.Forward}: it streams both bodies, removes the hop-by-hop headers of RFC 9110
 * 7.6.1 (Connection and those it names, Keep-Alive, Proxy-Connection, TE, Trailer,
 * Transfer-Encoding, Upgrade, Proxy-Authorization, Proxy-Authenticate) both ways and keeps
 * connections alive on both sides. Here: identify, judge, pin the checked addresses on the
 * upstream request, count bytes, and record the exchange when the response is done.
 */
final class ForwardHandler extends ProxyHandler.Forward {
    private static final String EXCHANGE = ForwardHandler.class.getName() + ".exchange";

    private final Egress egress;
    /** Where requests that may block are handled ({@link #knownWithoutBlocking}). */
    private final java.util.concurrent.Executor executor;

    ForwardHandler(Egress egress, HttpClient client, java.util.concurrent.Executor executor) {
        this.egress = egress;
        this.executor = executor;
        setHttpClient(client);
        setViaHost("waygate");
    }

    /**
     * Non-blocking, so that Jetty may run a request on the thread that read it instead of handing
     * it to another (on a busy machine each hand-off waits for a time slice). What could block is
     * moved off that thread first ({@link #knownWithoutBlocking}); the rest (judging a numeric
     * address, pinning, sending through the asynchronous client, counting, queueing the audit
     * entry) does not.
     */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Optional<Principal> known = knownWithoutBlocking(egress, request);
        if (known.isEmpty()) {
            executor.execute(() -> {
                try {
                    forward(request, response, callback, Optional.empty());
                } catch (Throwable e) {
                    callback.failed(e);
                }
            });
            return true;
        }
        return forward(request, response, callback, known);
    }

    /**
     * The principal, when identifying and judging this request cannot block: a destination that is
     * a numeric address (an IP literal is not looked up, and an obfuscated one is refused unresolved)
     * and a principal known without the database ({@link Egress#identifyCached}: a configured source
     * address, a cached and recently confirmed key). Empty: a name to look up, a credential to check
     * (the key store, a token's keys; a refusal is audited and awaited), or none at all.
     */
    static Optional<Principal> knownWithoutBlocking(Egress egress, Request request) {
        String host = request.getHttpURI().getHost();
        if (host == null || dev.waygate.net.Hosts.form(host) == dev.waygate.net.Hosts.Form.NAME) {
            return Optional.empty();
        }
        var remote = request.getConnectionMetaData().getRemoteSocketAddress();
        return remote instanceof java.net.InetSocketAddress isa
                ? egress.identifyCached(request.getHeaders().get(HttpHeader.PROXY_AUTHORIZATION), isa.getAddress())
                : Optional.empty();
    }

    private boolean forward(Request request, Response response, Callback callback, Optional<Principal> known) {
        HttpURI uri = request.getHttpURI();
        if (!uri.isAbsolute() || uri.getHost() == null || uri.getHost().isEmpty()) {
            Answers.refuse(response, callback, "bad_target", "");
            return true;
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            Answers.refuse(response, callback, "use_connect", "");
            return true;
        }
        var principal = known.isPresent() ? known : Answers.identify(egress, request, response, callback);
        if (principal.isEmpty()) {
            return true;
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        Target t = new Target("http", uri.getHost(), port, request.getMethod(), uri.getPath() == null ? "/" : uri.getPath(), false);
        Exchange x = egress.admit(principal.get(), t, EgressEvents.REQUEST, Request.getRemoteAddr(request));
        if (!x.decision().allowed()) {
            Answers.refuse(response, callback, x.decision().reason(), x.decision().rule());
            return true;
        }
        request.setAttribute(EXCHANGE, x);
        Callback done = Callback.from(() -> {
            x.status = response.getStatus();
            egress.finish(x);
            callback.succeeded();
        }, failure -> {
            x.status = response.getStatus();
            x.failure = "upstream_failed";
            egress.finish(x);
            callback.failed(failure);
        });
        return super.handle(new CountingRequest(request, x), new CountingResponse(response, x), done);
    }

    @Override
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(Request request, HttpURI target) {
        Exchange x = (Exchange) request.getAttribute(EXCHANGE);
        return super.newProxyToServerRequest(request, target).tag(new PinnedResolver.Pinned(x.decision().addresses()));
    }

    @Override
    protected void copyRequestHeaders(Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer) {
        super.copyRequestHeaders(clientToProxy, proxyToServer);
        // The credential is for this proxy only, whatever the parent class keeps.
        proxyToServer.headers(h -> h.remove(HttpHeader.PROXY_AUTHORIZATION).remove(HttpHeader.PROXY_CONNECTION));
    }

    /** No Forwarded header: the destination need not learn the agent's internal address. */
    @Override
    protected void addForwardedHeader(Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer) {
    }

    /** Counts the request body bytes read from the client (sent upstream). */
    private static final class CountingRequest extends Request.Wrapper {
        private final Exchange x;

        CountingRequest(Request wrapped, Exchange x) {
            super(wrapped);
            this.x = x;
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk c = super.read();
            if (c != null && c.hasRemaining()) {
                x.bytesOut.addAndGet(c.remaining());
            }
            return c;
        }
    }

    /** Counts the response body bytes written to the client (received from upstream). */
    private static final class CountingResponse extends Response.Wrapper {
        private final Exchange x;

        CountingResponse(Request request, Response wrapped, Exchange x) {
            super(request, wrapped);
            this.x = x;
        }

        CountingResponse(Response wrapped, Exchange x) {
            this(wrapped.getRequest(), wrapped, x);
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            if (content != null) {
                x.bytesIn.addAndGet(content.remaining());
            }
            super.write(last, content, callback);
        }
    }
}
