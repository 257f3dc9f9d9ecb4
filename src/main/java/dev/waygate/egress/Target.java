package dev.waygate.egress;

/**
 * What a client asks to reach.
 *
 * @param scheme {@code http} or {@code https} (a CONNECT tunnel counts as https)
 * @param host   as written, stripped ({@link dev.waygate.net.Hosts#strip})
 * @param method the HTTP method; {@code CONNECT} for a tunnel
 * @param path   the path without the query (plain HTTP); empty for a tunnel
 * @param tunnel a CONNECT tunnel: method and path are not visible
 */
public record Target(String scheme, String host, int port, String method, String path, boolean tunnel) {
    public Target {
        host = dev.waygate.net.Hosts.strip(host);
    }

    /** {@code host:port}, IPv6 literals in brackets: the audit target. */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
