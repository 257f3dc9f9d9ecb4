package dev.waygate.net;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An address range written {@code 10.20.0.0/16} or {@code fd00::/8} (a bare address is a /32 or
 * /128). IPv4-mapped IPv6 addresses are compared as their IPv4 form, so {@code 127.0.0.0/8} also
 * covers {@code ::ffff:127.0.0.1}.
 */
public record Cidr(byte[] network, int prefix, String text) {

    public Cidr {
        network = network.clone();
    }

    /** @throws IllegalArgumentException naming what is wrong with {@code text} */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        InetAddress a = Hosts.literal(addr).orElseThrow(
                () -> new IllegalArgumentException("'" + text + "' is not an IP address range (write e.g. 10.0.0.0/8)"));
        byte[] bytes = Addresses.canonical(a).getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + text + "': the prefix length must be 0.." + max);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, text);
    }

    public boolean contains(InetAddress address) {
        byte[] b = Addresses.canonical(address).getAddress();
        return b.length == network.length && Arrays.equals(mask(b, prefix), network);
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        return text;
    }
}
