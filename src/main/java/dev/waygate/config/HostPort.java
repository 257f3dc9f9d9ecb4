package dev.waygate.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** A listen address. */
public record HostPort(String host, int port) {
    public boolean isLoopback() {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
