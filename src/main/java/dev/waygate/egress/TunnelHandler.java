package dev.waygate.egress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
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
 *
 * <p>Once a tunnel is open, its bytes are relayed by the kernel ({@link SplicedTunnel}) where
 * Linux's splice(2) can be used, and by Jetty's Java relay otherwise (another system, the JVM
 * started without the export the jar's manifest declares, more than
 * {@link SplicedTunnel#MAX_TUNNELS} spliced tunnels, or {@value #SPLICE_PROPERTY}=false).
 */
final class TunnelHandler extends ConnectHandler {
    /** A system property: {@code false} keeps every tunnel on the Java relay. */
    static final String SPLICE_PROPERTY = "waygate.egress.splice";
    private static final String EXCHANGE = TunnelHandler.class.getName() + ".exchange";
    private static final String SPLICED = TunnelHandler.class.getName() + ".spliced";

    private final Egress egress;
    private final Optional<LinuxSplice> splice;

    TunnelHandler(Egress egress, Handler forward) {
        super(forward);
        this.egress = egress;
        this.splice = Boolean.parseBoolean(System.getProperty(SPLICE_PROPERTY, "true")) ? LinuxSplice.get() : Optional.empty();
    }

    /** {@code splice} when tunnels are spliced (up to the bound), {@code java} when all use the Java relay. */
    String relay() {
        return splice.isPresent() ? "splice" : "java";
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

    /**
     * The client's side, opened after the 200 answer. When the tunnel is spliced, the first time
     * Jetty would start reading (after forwarding what the client sent with its CONNECT) starts
     * both directions instead, and Jetty never reads or writes the tunnel again.
     */
    @Override
    protected DownstreamConnection newDownstreamConnection(EndPoint endPoint, ConcurrentMap<String, Object> context) {
        SplicedTunnel spliced = (SplicedTunnel) context.get(SPLICED);
        return new DownstreamConnection(endPoint, getExecutor(), getByteBufferPool(), context) {
            @Override
            public void fillInterested() {
                if (spliced == null) {
                    super.fillInterested();
                } else {
                    spliced.start();
                }
            }

            @Override
            public void onFillable() {
                if (spliced == null) {
                    super.onFillable();
                }
            }

            @Override
            public void onClose(Throwable cause) {
                super.onClose(cause);
                closed(spliced, context);
            }
        };
    }

    /**
     * The server's side, made when the dial succeeded; here the tunnel is spliced or not. A
     * spliced one's server side is never read by Jetty: nothing reaches the client before its 200.
     */
    @Override
    protected UpstreamConnection newUpstreamConnection(EndPoint endPoint, ConnectContext connectContext) {
        ConcurrentMap<String, Object> context = connectContext.getContext();
        SplicedTunnel spliced = null;
        if (splice.isPresent() && connectContext.getRequest().getAttribute(EXCHANGE) instanceof Exchange x) {
            spliced = SplicedTunnel.open(splice.get(), connectContext.getEndPoint(), endPoint, x, () -> finished(x)).orElse(null);
            if (spliced != null) {
                context.put(SPLICED, spliced);
            }
        }
        SplicedTunnel s = spliced;
        return new UpstreamConnection(endPoint, getExecutor(), getByteBufferPool(), connectContext) {
            @Override
            public void fillInterested() {
                if (s == null) {
                    super.fillInterested();
                }
            }

            @Override
            public void onFillable() {
                if (s == null) {
                    super.onFillable();
                }
            }

            @Override
            public void onClose(Throwable cause) {
                super.onClose(cause);
                closed(s, context);
            }
        };
    }

    /** A side closed: the Java relay's tunnel ends here; a spliced one ends when its threads stop. */
    private void closed(SplicedTunnel spliced, ConcurrentMap<String, Object> context) {
        if (spliced == null) {
            ended(context);
        } else {
            spliced.abort();
        }
    }

    private void ended(ConcurrentMap<String, Object> context) {
        if (context.get(EXCHANGE) instanceof Exchange x) {
            finished(x);
        }
    }

    private void finished(Exchange x) {
        x.status = 200;
        egress.finish(x);
    }
}
