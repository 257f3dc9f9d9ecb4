package dev.waygate.sandbox;

import dev.waygate.config.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way out of a {@code network: egress} sandbox. The sandbox keeps its private network
 * namespace (only its own loopback exists), so a server cannot open a connection to anything at
 * all, except: inside, {@code socat} listens on {@value #INSIDE} and forwards each connection to a
 * unix socket bound into the sandbox; outside, this bridge accepts on that socket and connects to
 * Waygate's egress proxy. The server's HTTP_PROXY/HTTPS_PROXY point at {@value #INSIDE}; a client
 * that ignores them reaches nothing. One bridge (and socket) per server, so the proxy side always
 * knows which server a connection comes from.
 */
public final class EgressBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EgressBridge.class);
    /** Where the server sees the proxy (its own loopback). */
    public static final String INSIDE = "127.0.0.1:3128";
    /** The directory holding the socket, inside the sandbox. */
    static final String DIR_INSIDE = "/run/waygate";
    static final String SOCKET_NAME = "egress.sock";

    private final String server;
    private final HostPort proxy;
    private final Path dir;
    private final ServerSocketChannel channel;

    private EgressBridge(String server, HostPort proxy, Path dir, ServerSocketChannel channel) {
        this.server = server;
        this.proxy = proxy;
        this.dir = dir;
        this.channel = channel;
    }

    /** Listens on a fresh unix socket whose directory the sandbox's uid can enter, and forwards to {@code proxy}. */
    public static EgressBridge start(String server, HostPort proxy) throws IOException {
        Path dir = Files.createTempDirectory("waygate-egress-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path socket = dir.resolve(SOCKET_NAME);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(socket));
        // connect() needs write permission on the socket; the sandbox runs as another uid when the gateway is root.
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        EgressBridge b = new EgressBridge(server, proxy, dir, ch);
        Thread.ofVirtual().name("egress-bridge-" + server).start(b::accept);
        return b;
    }

    /** The host directory to bind at {@link #DIR_INSIDE}. */
    public Path dir() {
        return dir;
    }

    private void accept() {
        while (channel.isOpen()) {
            SocketChannel in;
            try {
                in = channel.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().name("egress-bridge-" + server + "-conn").start(() -> forward(in));
        }
    }

    private void forward(SocketChannel in) {
        try (in; SocketChannel out = SocketChannel.open(new InetSocketAddress(proxy.host(), proxy.port()))) {
            Thread up = Thread.ofVirtual().start(() -> pump(in, out));
            pump(out, in);
            up.join();
        } catch (IOException e) {
            LOG.info("[{}] egress proxy {} not reachable: {}", server, proxy, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed: the other pump ends too
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(dir.resolve(SOCKET_NAME));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debug("[{}] closing the egress bridge: {}", server, e.getMessage());
        }
    }
}
