package dev.waygate.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * How a host is written in a URL or a CONNECT line: a name, a canonical IP literal, or a numeric
 * form that some parser reads as an IP and another does not.
 *
 * <p>The attack: {@code http://2130706433/}, {@code http://0x7f.1/}, {@code http://0177.0.0.1/}
 * all reach 127.0.0.1 through the C resolver ({@code inet_aton}), while a filter that only
 * knows dotted quads sees a name. Worse, parsers disagree: {@code 010.0.0.1} is 10.0.0.1 to Java
 * and 8.0.0.1 to glibc. So only the canonical dotted quad (four decimal parts, no leading zeros)
 * and IPv6 literals count as addresses; any other host that any of those parsers would read as
 * a number is {@link Form#OBFUSCATED} and refused outright, whatever it points to.
 */
public final class Hosts {
    private Hosts() {}

    public enum Form { NAME, IP, OBFUSCATED }

    /** Brackets around an IPv6 literal and one trailing dot are dropped; names are lower-cased. */
    public static String strip(String host) {
        String h = host.trim();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".") && h.length() > 1) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(java.util.Locale.ROOT);
    }

    public static Form form(String host) {
        String h = strip(host);
        if (literal(h).isPresent()) {
            return Form.IP;
        }
        return numericLooking(h) ? Form.OBFUSCATED : Form.NAME;
    }

    /**
     * The address a canonical literal names, without any lookup: a dotted quad of four decimal
     * parts 0–255 without leading zeros, or an IPv6 literal (brackets and a zone allowed).
     */
    public static Optional<InetAddress> literal(String host) {
        String h = strip(host);
        if (h.indexOf(':') >= 0) {
            try {
                return Optional.of(InetAddress.ofLiteral(h));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return canonicalQuad(h) ? Optional.of(Inet4Address.ofLiteral(h)) : Optional.empty();
    }

    private static boolean canonicalQuad(String h) {
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return false;
            }
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether some resolver could read {@code h} as an IPv4 address: every dot-separated part is
     * a decimal, octal or hex number. Errs towards "numeric": {@code 1.2.3.4.5} or {@code 999} is
     * no valid address anywhere, but no real host name looks like that either.
     */
    private static boolean numericLooking(String h) {
        if (h.isEmpty()) {
            return false;
        }
        for (String p : h.split("\\.", -1)) {
            if (p.isEmpty()) {
                return false;
            }
            String digits = p.startsWith("0x") ? p.substring(2) : p;
            boolean hex = p.startsWith("0x");
            if (digits.isEmpty() && !hex) {
                return false;
            }
            for (int i = 0; i < digits.length(); i++) {
                char c = digits.charAt(i);
                boolean ok = (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f')));
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }
}
