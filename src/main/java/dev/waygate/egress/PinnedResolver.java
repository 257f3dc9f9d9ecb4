package dev.waygate.egress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * The egress HTTP client's only resolver: it never looks a name up. Every request carries the
 * addresses its decision checked as its tag ({@link Pinned}); Jetty keys connection pools by
 * origin and tag, so a connection is only reused for the same host at the same checked addresses.
 * A request without a tag fails: nothing is dialed unchecked. This is what makes the SSRF check
 * hold against DNS rebinding while the Host header and TLS name stay the client's.
 */
final class PinnedResolver implements SocketAddressResolver {

    /** The checked addresses of one decision. */
    record Pinned(List<InetAddress> addresses) {
        Pinned {
            addresses = List.copyOf(addresses);
        }
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        Object d = context.get(Destination.CONTEXT_KEY);
        if (d instanceof Destination dest && dest.getOrigin().getTag() instanceof Pinned pin && !pin.addresses().isEmpty()) {
            promise.succeeded(pin.addresses().stream().map(a -> new InetSocketAddress(a, port)).toList());
        } else {
            promise.failed(new UnknownHostException("no checked address for " + host));
        }
    }
}
