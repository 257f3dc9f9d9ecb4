package dev.waygate.guard;

import java.text.Normalizer;

/**
 * The one form detectors look at, so that an encoding trick cannot hide what a check looks for.
 * In order, each step linear in the input:
 * <ol>
 *   <li>percent-decoding, repeated until the string no longer changes, at most {@link #MAX_ROUNDS}
 *       rounds ({@code %252e} → {@code %2e} → {@code .}); the decoded bytes are read as UTF-8 by a
 *       lenient decoder that maps overlong forms to the character they encode ({@code %c0%ae} is
 *       {@code .}, the old IIS traversal) and any other invalid byte to U+FFFD;</li>
 *   <li>Unicode NFKC, so full-width and compatibility forms ({@code ．．／}) become ASCII;</li>
 *   <li>NUL characters removed ({@code ..%00/} is {@code ../} to a C library that stops at NUL).</li>
 * </ol>
 * Separators are not changed here: {@link #pathForm} does that for the detectors that treat the
 * value as a path. Work is bounded: NFKC grows a string by at most a small constant factor, and
 * every other step shrinks or keeps it.
 */
public final class Normaliser {
    public static final int MAX_ROUNDS = 4;

    private Normaliser() {}

    public static String normalise(String s) {
        String out = s;
        for (int i = 0; i < MAX_ROUNDS && out.indexOf('%') >= 0; i++) {
            String next = percentDecode(out);
            if (next.equals(out)) {
                break;
            }
            out = next;
        }
        if (!ascii(out)) {
            out = Normalizer.normalize(out, Normalizer.Form.NFKC);
        }
        if (out.indexOf('\0') >= 0) {
            out = out.replace("\0", "");
        }
        return out;
    }

    /** The normalised value with {@code \} read as {@code /}: Windows and many servers accept both. */
    public static String pathForm(String normalised) {
        return normalised.indexOf('\\') >= 0 ? normalised.replace('\\', '/') : normalised;
    }

    static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** One round: {@code %XX} sequences become bytes, read as lenient UTF-8; other characters stay. */
    static String percentDecode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        byte[] run = new byte[s.length() / 3 + 1];
        int i = 0;
        while (i < s.length()) {
            int n = 0;
            while (i + 2 < s.length() && s.charAt(i) == '%' && hex(s, i + 1) >= 0 && hex(s, i + 2) >= 0) {
                run[n++] = (byte) (hex(s, i + 1) << 4 | hex(s, i + 2));
                i += 3;
            }
            if (n > 0) {
                Utf8.decodeLenient(run, n, out);
                continue;
            }
            out.append(s.charAt(i++));
        }
        return out.toString();
    }

    private static int hex(String s, int i) {
        if (i >= s.length()) {
            return -1;
        }
        char c = s.charAt(i);
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
