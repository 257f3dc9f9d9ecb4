package dev.waygate.audit;

import java.util.HexFormat;

/** Lower-case hex, the form of every hash, MAC and signature in the journal. */
final class Hex {
    static final HexFormat FORMAT = HexFormat.of();
    /** The {@code prev} of the first entry. */
    static final String ZERO_HASH = "0".repeat(64);

    private Hex() {}

    static String of(byte[] b) {
        return FORMAT.formatHex(b);
    }

    static byte[] parse(String s) {
        return FORMAT.parseHex(s);
    }

    static boolean isHash(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
