package dev.waygate.net;

/**
 * What an IP address reaches, for SSRF decisions. Everything but {@link #PUBLIC} is internal: a
 * tool argument or an egress destination may reach it only when configuration allows its CIDR.
 * The names double as stable reason codes ({@link #code()}).
 */
public enum AddressClass {
    PUBLIC,
    /** 127.0.0.0/8, ::1. */
    LOOPBACK,
    /** 0.0.0.0/8, :: — many stacks route these to the local host. */
    UNSPECIFIED,
    /** RFC 1918: 10/8, 172.16/12, 192.168/16. */
    PRIVATE,
    /** RFC 6598 carrier-grade NAT 100.64/10 (also where some clouds put metadata services). */
    CGNAT,
    /** 169.254/16, fe80::/10. */
    LINK_LOCAL,
    /** fc00::/7. */
    UNIQUE_LOCAL,
    /** 224/4, ff00::/8, 255.255.255.255. */
    MULTICAST,
    /** Cloud instance metadata: 169.254.169.254, 169.254.170.2, fd00:ec2::254, 100.100.100.200. */
    METADATA,
    /** IETF-reserved, benchmarking and documentation ranges (192.0.0/24, 198.18/15, 240/4, …). */
    RESERVED;

    public boolean internal() {
        return this != PUBLIC;
    }

    /** Stable lower-case code for errors, audit entries and metric labels, e.g. {@code link_local}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
