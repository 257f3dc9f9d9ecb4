package dev.waygate.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Decides whether a host may be reached, on the addresses it resolves to now. Used by the egress
 * proxy (which then dials exactly {@link Verdict#addresses()}, so a second lookup cannot rebind the
 * name to an internal address) and by the guard that inspects URL arguments.
 *
 * <p>Order: (1) a numeric host in a non-canonical form is refused ({@code obfuscated_ip}); (2) the
 * host is resolved — a literal without a lookup — and a name that does not resolve is refused
 * ({@code unresolvable}: fail closed); (3) every address must be public or inside an allowed
 * CIDR, else the first offending class is the reason ({@code loopback}, {@code metadata}, …). All
 * addresses, not just the first: an attacker's DNS can answer with a public and a private one.
 */
public final class SsrfCheck {
    private final Resolver resolver;

    public SsrfCheck(Resolver resolver) {
        this.resolver = resolver;
    }

    /**
     * @param addresses what was checked and may be dialled (empty when denied)
     * @param reason    stable code: {@code ok}, {@code obfuscated_ip}, {@code unresolvable}, or an
     *                  {@link AddressClass#code()}
     * @param detail    for logs and audit: which address, never more than the host already shows
     */
    public record Verdict(boolean allowed, String reason, String detail, List<InetAddress> addresses) {
        public Verdict {
            addresses = List.copyOf(addresses);
        }

        static Verdict deny(String reason, String detail) {
            return new Verdict(false, reason, detail, List.of());
        }
    }

    public Verdict check(String host, List<Cidr> allowed) {
        String h = Hosts.strip(host);
        if (h.isEmpty()) {
            return Verdict.deny("unresolvable", "empty host");
        }
        if (Hosts.form(h) == Hosts.Form.OBFUSCATED) {
            return Verdict.deny("obfuscated_ip", "'" + h + "' is a non-canonical numeric address");
        }
        List<InetAddress> addresses;
        try {
            var literal = Hosts.literal(h);
            addresses = literal.isPresent() ? List.of(literal.get()) : resolver.resolve(h);
        } catch (UnknownHostException e) {
            return Verdict.deny("unresolvable", "'" + h + "' does not resolve");
        }
        if (addresses.isEmpty()) {
            return Verdict.deny("unresolvable", "'" + h + "' does not resolve");
        }
        for (InetAddress a : addresses) {
            AddressClass c = Addresses.classify(a);
            if (c.internal() && allowed.stream().noneMatch(cidr -> cidr.contains(a))) {
                return Verdict.deny(c.code(), "'" + h + "' resolves to " + a.getHostAddress() + " (" + c.code() + ")");
            }
        }
        return new Verdict(true, "ok", h, addresses);
    }
}
