package dev.waygate.guard;

/**
 * A UTF-8 decoder that reads what a lax server would read. The attack it stops: overlong forms
 * ({@code C0 AE} for {@code .}, {@code C0 AF} for {@code /}, {@code E0 80 AE}) pass a filter that
 * decodes strictly (to U+FFFD) and then reach a decoder that maps them to the ASCII character.
 * So overlong forms decode to their value here; any other invalid byte becomes U+FFFD. Linear.
 */
final class Utf8 {
    private Utf8() {}

    static void decodeLenient(byte[] b, int n, StringBuilder out) {
        int i = 0;
        while (i < n) {
            int c = b[i] & 0xff;
            int len = c < 0x80 ? 1 : c >= 0xc0 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf8 ? 4 : 0;
            if (len == 1) {
                out.append((char) c);
                i++;
                continue;
            }
            if (len == 0 || i + len > n || !continuations(b, i + 1, len - 1)) {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = c & (0xff >> (len + 1));
            for (int k = 1; k < len; k++) {
                cp = cp << 6 | (b[i + k] & 0x3f);
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                out.append('\uFFFD');
            } else {
                out.appendCodePoint(cp); // overlong forms included, on purpose
            }
            i += len;
        }
    }

    private static boolean continuations(byte[] b, int from, int count) {
        for (int k = 0; k < count; k++) {
            if ((b[from + k] & 0xc0) != 0x80) {
                return false;
            }
        }
        return true;
    }
}
