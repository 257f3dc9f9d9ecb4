package dev.waygate.guard;

/**
 * JSON paths in findings, e.g. {@code $.files[2].path} or {@code $['odd key']}. A key that holds a
 * credential is not written into the path (the path goes to the client and the audit log).
 */
final class JsonPaths {
    static final int MAX_KEY = 64;

    private JsonPaths() {}

    static String field(String parent, String key) {
        if (Secrets.any(key)) {
            return parent + "[REDACTED]";
        }
        String k = key.length() > MAX_KEY ? key.substring(0, MAX_KEY) + "…" : key;
        if (identifier(k)) {
            return parent + "." + k;
        }
        StringBuilder sb = new StringBuilder(parent).append("['");
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (c == '\'' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c < 0x20 ? '?' : c);
        }
        return sb.append("']").toString();
    }

    static String index(String parent, int i) {
        return parent + "[" + i + "]";
    }

    private static boolean identifier(String k) {
        if (k.isEmpty() || !(Character.isLetter(k.charAt(0)) || k.charAt(0) == '_') || k.charAt(0) >= 128) {
            return false;
        }
        for (int i = 1; i < k.length(); i++) {
            char c = k.charAt(i);
            if (c >= 128 || !(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
