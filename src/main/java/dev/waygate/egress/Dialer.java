package dev.waygate.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/**
 * Opens a tunnel's upstream connection to the addresses its decision checked, in the order the
 * name resolved to, and to nothing else: the list comes from {@link Decision#addresses()} and the
 * name is never looked up again (DNS rebinding). A host with several addresses (IPv4 and IPv6, or
 * a round robin) is reachable while one of them is down: when a connection is refused, or does not
 * complete within its share of the connect timeout, the next address is tried.
 *
 * <p>The whole attempt is bounded by the connect timeout; each address gets the time left divided
 * by the addresses left, so a first address that drops packets cannot use up the time of the
 * others. The failure reported is the last one, with the earlier ones suppressed; a timeout is a
 * {@link SocketTimeoutException} (answered as {@code connect_timeout}).
 */
final class Dialer {
    /** One connection attempt, blocking, within {@code timeoutMillis}; a seam for tests. */
    @FunctionalInterface
    interface Connect {
        SocketChannel connect(InetSocketAddress address, int timeoutMillis) throws IOException;
    }

    /** A blocking connect on a fresh channel (callers run it on a virtual thread), Nagle off. */
    static final Connect SOCKET = (address, timeoutMillis) -> {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.socket().setTcpNoDelay(true);
            channel.socket().connect(address, timeoutMillis);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    };

    /** The connected channel and the address it reached (for the audit entry). */
    record Dialed(SocketChannel channel, InetSocketAddress address) {}

    private final Duration timeout;
    private final Connect connect;

    Dialer(Duration timeout, Connect connect) {
        this.timeout = timeout;
        this.connect = connect;
    }

    /**
     * @param checked the addresses the SSRF check passed, in resolution order; empty fails
     * @throws IOException the last attempt's failure (earlier ones suppressed)
     */
    Dialed dial(List<InetAddress> checked, int port) throws IOException {
        if (checked.isEmpty()) {
            throw new IOException("no checked address to dial");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException failure = null;
        for (int i = 0; i < checked.size(); i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                IOException out = new SocketTimeoutException("connect timed out after " + timeout.toMillis() + " ms");
                if (failure != null) {
                    out.addSuppressed(failure);
                }
                throw out;
            }
            int share = (int) Math.max(1, Duration.ofNanos(left / (checked.size() - i)).toMillis());
            InetSocketAddress address = new InetSocketAddress(checked.get(i), port);
            try {
                return new Dialed(connect.connect(address, share), address);
            } catch (IOException e) {
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
            }
        }
        throw failure;
    }
}
