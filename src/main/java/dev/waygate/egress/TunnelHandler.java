package dev.waygate.egress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ConnectHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.Promise;

/**
 * CONNECT tunnels with Jetty's {@link ConnectHandler} (no TLS interception: the bytes are
 * relayed as they are). Here, before Jetty dials: identify, take a tunnel slot, judge; then dial
 * the checked addresses in order until one answers (never the name again), count bytes each way,
 * and record the tunnel when either side closes. Every other request goes to the wrapped handler.
 */
final class TunnelHandler extends ConnectHandler {
    private static final String EXCHANGE = TunnelHandler.class.getName() + ".exchange";

    private final Egress egress;

    TunnelHandler(Egress egress, Handler forward) {
        super(forward);
        this.egress = egress;
    }

    /**
     * Off the I/O thread: the handlers declare themselves non-blocking ({@link ForwardHandler}),
     * and identifying a tunnel's principal may query the key store and its refusal waits for the
     * audit entry. A tunnel is set up once for many bytes, so the hand-off costs little here.
     */
    @Override
    protected void handleConnect(Request request, Response response, Callback callback, String serverAddress) {
        getExecutor().execute(() -> {
            try {
                connect(request, response, callback, serverAddress);
            } catch (Throwable e) {
                callback.failed(e);
            }
        });
    }

    private void connect(Request request, Response response, Callback callback, String serverAddress) {
        HostPort hp;
        try {
            hp = new HostPort(serverAddress);
        } catch (IllegalArgumentException e) {
            Answers.refuse(response, callback, "bad_target", "");
            return;
        }
        if (!hp.hasPort() || hp.getHost().isEmpty()) {
            Answers.refuse(response, callback, "bad_target", "");
            return;
        }
        var principal = Answers.identify(egress, request, response, callback);
        if (principal.isEmpty()) {
            return;
        }
        Target t = new Target("https", hp.getHost(), hp.getPort(), "CONNECT", "", true);
        String remote = Request.getRemoteAddr(request);
        if (!egress.takeTunnelSlot(principal.get(), t, remote)) {
            Answers.refuse(response, callback, "tunnel_limit", "");
            return;
        }
        Exchange x = egress.admit(principal.get(), t, EgressEvents.TUNNEL, remote);
        if (!x.decision().allowed()) {
            Answers.refuse(response, callback, x.decision().reason(), x.decision().rule());
            return;
        }
        x.clientEndPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        request.setAttribute(EXCHANGE, x);
        super.handleConnect(request, response, callback, serverAddress);
    }

    /**
     * Dials the checked addresses in order ({@link Dialer}), on a virtual thread since the
     * attempts block; {@code host} is not looked up again (DNS rebinding). Jetty takes the
     * connected channel as it is; a failure goes to {@link #onConnectFailure}.
     */
    @Override
    protected void connectToServer(Request request, String host, int port, Promise<SocketChannel> promise) {
        Exchange x = (Exchange) request.getAttribute(EXCHANGE);
        Dialer dialer = new Dialer(Duration.ofMillis(getConnectTimeout()), Dialer.SOCKET);
        Thread.ofVirtual().name("egress-dial").start(() -> {
            Dialer.Dialed d;
            try {
                d = dialer.dial(x.decision().addresses(), port);
            } catch (Throwable e) {
                promise.failed(e);
                return;
            }
            try {
                x.dialed = d.address();
                d.channel().configureBlocking(false);
                promise.succeeded(d.channel());
            } catch (Throwable e) {
                try {
                    d.channel().close();
                } catch (IOException ignored) {
                    // already failing
                }
                promise.failed(e);
            }
        });
    }

    @Override
    protected void prepareContext(Request request, ConcurrentMap<String, Object> context) {
        context.put(EXCHANGE, request.getAttribute(EXCHANGE));
    }

    @Override
    protected void onConnectFailure(Request request, Response response, Callback callback, Throwable failure) {
        Exchange x = (Exchange) request.getAttribute(EXCHANGE);
        if (x != null) {
            boolean timeout = failure instanceof TimeoutException || failure instanceof java.net.SocketTimeoutException;
            x.failure = timeout ? "connect_timeout" : "upstream_unreachable";
            x.status = Refusal.status(x.failure);
            egress.finish(x);
            Answers.refuse(response, callback, x.failure, x.decision().rule());
            return;
        }
        super.onConnectFailure(request, response, callback, failure);
    }

    @Override
    protected void write(EndPoint endPoint, ByteBuffer buffer, Callback callback, ConcurrentMap<String, Object> context) {
        Exchange x = (Exchange) context.get(EXCHANGE);
        if (x != null) {
            (endPoint == x.clientEndPoint ? x.bytesIn : x.bytesOut).addAndGet(buffer.remaining());
        }
        super.write(endPoint, buffer, callback, context);
    }

    @Override
    protected DownstreamConnection newDownstreamConnection(EndPoint endPoint, ConcurrentMap<String, Object> context) {
        return new DownstreamConnection(endPoint, getExecutor(), getByteBufferPool(), context) {
            @Override
            public void onClose(Throwable cause) {
                super.onClose(cause);
                ended(context);
            }
        };
    }

    @Override
    protected UpstreamConnection newUpstreamConnection(EndPoint endPoint, ConnectContext connectContext) {
        return new UpstreamConnection(endPoint, getExecutor(), getByteBufferPool(), connectContext) {
            @Override
            public void onClose(Throwable cause) {
                super.onClose(cause);
                ended(connectContext.getContext());
            }
        };
    }

    private void ended(ConcurrentMap<String, Object> context) {
        if (context.get(EXCHANGE) instanceof Exchange x) {
            x.status = 200;
            egress.finish(x);
        }
    }
}
