package dev.waygate.egress;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The proxy listener: Jetty parses both sides (RFC 9110/9112 compliance: a request with both
 * Content-Length and Transfer-Encoding, or two different Content-Lengths, is refused with 400
 * before any handler sees it). {@link TunnelHandler} takes CONNECT and hands every other request
 * to {@link ForwardHandler}. One Jetty {@link HttpClient} with the {@link PinnedResolver} makes
 * every upstream connection, for the proxy and for {@code /proxy/request}.
 */
final class ProxyServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final HttpClient client;
    private final TunnelHandler tunnel;

    ProxyServer(Egress egress, EgressConfig config) {
        EgressConfig.Limits limits = config.limits();
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("egress");
        server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setHttpCompliance(HttpCompliance.RFC9110);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.listen().host());
        connector.setPort(config.listen().port());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        server.addConnector(connector);

        var transport = new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(1);
        // Responses are handled on the thread that read them: every listener of this client only
        // relays to the agent's connection asynchronously, counts, or queues (Fetcher's stream).
        transport.setInvocationType(org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING);
        client = new HttpClient(transport);
        client.setExecutor(pool);
        client.setSocketAddressResolver(new PinnedResolver());
        client.setConnectTimeout(limits.connectTimeout().toMillis());
        client.setIdleTimeout(limits.idleTimeout().toMillis());
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.setMaxConnectionsPerDestination(1024);
        client.setRequestBufferSize(16 * 1024);
        client.setResponseBufferSize(16 * 1024);
        client.setName("egress-client");
        // What Jetty's ProxyHandler does to a client it makes itself, and not to one it is given:
        // no cookie jar (one shared store would send a cookie an origin set for one principal on
        // every later request to that origin, whoever makes it) and no content decoding (the client
        // would add Accept-Encoding: gzip that the agent never sent). The proxy relays, it keeps nothing.
        // (The decoders are cleared in start(): HttpClient installs the default ones when it starts with none.)
        client.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());

        ForwardHandler forward = new ForwardHandler(egress, client, pool);
        tunnel = new TunnelHandler(egress, forward);
        tunnel.setConnectTimeout(limits.connectTimeout().toMillis());
        tunnel.setIdleTimeout(limits.idleTimeout().toMillis());
        tunnel.setBufferSize(64 * 1024);
        server.setHandler(tunnel);
        server.setErrorHandler(new MalformedRequests(egress));
        server.addBean(client);
    }

    void start() throws Exception {
        client.start();
        client.getContentDecoderFactories().clear();
        server.start();
    }

    /** How open tunnels are relayed: {@code splice} or {@code java}. */
    String tunnelRelay() {
        return tunnel.relay();
    }

    HttpClient client() {
        return client;
    }

    int port() {
        return connector.getLocalPort();
    }

    String listening() {
        return connector.getHost() + ":" + port();
    }

    @Override
    public void close() throws Exception {
        server.stop();
        client.stop(); // started before the server (see start), so stopped here in any case
    }
}
