package dev.waygate.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Classifies resolved addresses for SSRF decisions. IPv6 forms that carry an IPv4 address
 * (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) are judged by the
 * IPv4 address inside when that one is internal: {@code [::ffff:127.0.0.1]} is loopback.
 */
public final class Addresses {
    private Addresses() {}

    /** IPv4-mapped and IPv4-compatible IPv6 addresses as their IPv4 form; others unchanged. */
    public static InetAddress canonical(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (allZero(b, 0, 12) && !allZero(b, 12, 14)) {
                return v4(b, 12); // ::a.b.c.d (deprecated compat form), but not :: or ::1
            }
        }
        return a;
    }

    public static AddressClass classify(InetAddress address) {
        InetAddress a = canonical(address);
        if (a instanceof Inet4Address) {
            return classify4(a.getAddress());
        }
        byte[] b = a.getAddress();
        AddressClass own = classify6(b);
        if (own != AddressClass.PUBLIC) {
            return own;
        }
        return embedded(b).map(Addresses::classify4).filter(AddressClass::internal).orElse(AddressClass.PUBLIC);
    }

    private static AddressClass classify4(byte[] b) {
        int o0 = b[0] & 0xff, o1 = b[1] & 0xff, o2 = b[2] & 0xff, o3 = b[3] & 0xff;
        if ((o0 == 169 && o1 == 254 && o2 == 169 && o3 == 254) || (o0 == 169 && o1 == 254 && o2 == 170 && o3 == 2)
                || (o0 == 100 && o1 == 100 && o2 == 100 && o3 == 200)) {
            return AddressClass.METADATA;
        }
        if (o0 == 127) {
            return AddressClass.LOOPBACK;
        }
        if (o0 == 0) {
            return AddressClass.UNSPECIFIED;
        }
        if (o0 == 10 || (o0 == 172 && (o1 & 0xf0) == 16) || (o0 == 192 && o1 == 168)) {
            return AddressClass.PRIVATE;
        }
        if (o0 == 100 && (o1 & 0xc0) == 64) {
            return AddressClass.CGNAT;
        }
        if (o0 == 169 && o1 == 254) {
            return AddressClass.LINK_LOCAL;
        }
        if (o0 >= 224 && o0 <= 239 || (o0 == 255 && o1 == 255 && o2 == 255 && o3 == 255)) {
            return AddressClass.MULTICAST;
        }
        if (o0 >= 240 || (o0 == 192 && o1 == 0 && (o2 == 0 || o2 == 2)) || (o0 == 198 && (o1 & 0xfe) == 18)
                || (o0 == 198 && o1 == 51 && o2 == 100) || (o0 == 203 && o1 == 0 && o2 == 113)) {
            return AddressClass.RESERVED;
        }
        return AddressClass.PUBLIC;
    }

    private static AddressClass classify6(byte[] b) {
        if (allZero(b, 0, 15)) {
            return b[15] == 1 ? AddressClass.LOOPBACK : b[15] == 0 ? AddressClass.UNSPECIFIED : AddressClass.RESERVED;
        }
        int b0 = b[0] & 0xff, b1 = b[1] & 0xff;
        // fd00:ec2::254 (AWS IMDS over IPv6) before the unique-local range that contains it.
        if (b0 == 0xfd && b1 == 0x00 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2 && allZero(b, 4, 14)
                && (b[14] & 0xff) == 0x02 && (b[15] & 0xff) == 0x54) {
            return AddressClass.METADATA;
        }
        if ((b0 & 0xfe) == 0xfc) {
            return AddressClass.UNIQUE_LOCAL;
        }
        if (b0 == 0xfe && (b1 & 0xc0) == 0x80) {
            return AddressClass.LINK_LOCAL;
        }
        if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) {
            return AddressClass.UNIQUE_LOCAL; // deprecated site-local fec0::/10
        }
        if (b0 == 0xff) {
            return AddressClass.MULTICAST;
        }
        if (b0 == 0x20 && b1 == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
            return AddressClass.RESERVED; // documentation 2001:db8::/32
        }
        return AddressClass.PUBLIC;
    }

    /** The IPv4 address an IPv6 transition form carries, if any. */
    private static Optional<byte[]> embedded(byte[] b) {
        int b0 = b[0] & 0xff, b1 = b[1] & 0xff;
        if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            return Optional.of(slice(b, 12)); // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
        }
        if (b0 == 0x20 && b1 == 0x02) {
            return Optional.of(slice(b, 2)); // 6to4 2002:AABB:CCDD::/48
        }
        if (b0 == 0x20 && b1 == 0x01 && b[2] == 0 && b[3] == 0) {
            byte[] v4 = slice(b, 12); // Teredo: the client's address, bits inverted
            for (int i = 0; i < 4; i++) {
                v4[i] = (byte) ~v4[i];
            }
            return Optional.of(v4);
        }
        return Optional.empty();
    }

    private static byte[] slice(byte[] b, int from) {
        return java.util.Arrays.copyOfRange(b, from, from + 4);
    }

    private static InetAddress v4(byte[] b, int from) {
        try {
            return InetAddress.getByAddress(slice(b, from));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
