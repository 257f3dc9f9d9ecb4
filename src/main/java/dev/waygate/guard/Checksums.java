package dev.waygate.guard;

/** The checksums some formats carry: a match that passes one is not a coincidence. */
final class Checksums {
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private Checksums() {}

    /**
     * GitHub's 2021 token format: {@code prefix_} + 30 random base62 characters + the CRC32 of those
     * 30, in base62, left-padded with zeros to 6.
     */
    static boolean githubCrc(String body) {
        if (body.length() != 36) {
            return false;
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.substring(0, 30).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return base62(crc.getValue(), 6).equals(body.substring(30));
    }

    static String base62(long value, int width) {
        StringBuilder sb = new StringBuilder();
        long v = value;
        do {
            sb.append(BASE62.charAt((int) (v % 62)));
            v /= 62;
        } while (v > 0);
        while (sb.length() < width) {
            sb.append('0');
        }
        return sb.reverse().toString();
    }

    /** Luhn over the digits of {@code s} (other characters skipped). */
    static boolean luhn(CharSequence s, int from, int to) {
        int sum = 0;
        int n = 0;
        for (int i = to - 1; i >= from; i--) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (n++ % 2 == 1) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
        }
        return n > 0 && sum % 10 == 0;
    }

    /** ISO 13616 IBAN: move the first four characters to the end, letters to 10..35, mod 97 == 1. */
    static boolean iban(String compact) {
        if (compact.length() < 15 || compact.length() > 34) {
            return false;
        }
        String r = compact.substring(4) + compact.substring(0, 4);
        int mod = 0;
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            int v;
            if (c >= '0' && c <= '9') {
                v = c - '0';
                mod = (mod * 10 + v) % 97;
            } else if (c >= 'A' && c <= 'Z') {
                v = c - 'A' + 10;
                mod = (mod * 100 + v) % 97;
            } else {
                return false;
            }
        }
        return mod == 1;
    }
}
