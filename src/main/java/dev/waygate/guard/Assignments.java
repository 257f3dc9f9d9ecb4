package dev.waygate.guard;

import dev.waygate.guard.SecretMatch.Confidence;
import java.util.List;

/**
 * Generic credential assignments: {@code password=...}, {@code api_key: ...}, {@code "client_secret": "..."}.
 * Only a value that looks random counts (at least {@link #MIN_LENGTH} characters, at least
 * {@link #MIN_BITS} bits of entropy per character, not a placeholder), so prose about passwords
 * and {@code password: <your password>} pass.
 */
final class Assignments {
    static final int MIN_LENGTH = 8;
    static final double MIN_BITS = 3.0;
    private static final List<String> KEYS = List.of("password", "passwd", "pwd", "secret", "api_key", "apikey",
            "api-key", "access_token", "auth_token", "client_secret", "private_key", "secret_key");
    private static final List<String> PLACEHOLDERS = List.of("${", "{{", "xxx", "***", "...", "changeme", "example",
            "your_", "your-", "placeholder", "redacted", "<");

    private Assignments() {}

    static void scan(String s, String lower, List<SecretMatch> out) {
        for (String key : KEYS) {
            int from = 0;
            int i;
            while ((i = lower.indexOf(key, from)) >= 0) {
                from = i + key.length();
                int j = Secrets.run(s, from, c -> Character.isLetterOrDigit(c) || c == '_'); // db_password_hash: still a key
                j = Secrets.run(s, j, c -> c == ' ' || c == '\t' || c == '"' || c == '\'');
                if (j >= s.length() || (s.charAt(j) != '=' && s.charAt(j) != ':')) {
                    from = Math.max(from, j);
                    continue;
                }
                int v = Secrets.run(s, j + 1, c -> c == ' ' || c == '\t' || c == '"' || c == '\'');
                int end = Secrets.run(s, v, c -> !Character.isWhitespace(c) && "\"'<>,;`".indexOf(c) < 0);
                from = Math.max(from, end);
                if (end - v >= MIN_LENGTH && !placeholder(lower, v, end) && Entropy.bitsPerChar(s, v, end) >= MIN_BITS) {
                    out.add(new SecretMatch("generic-secret", v, end, Confidence.SHAPE));
                }
            }
        }
    }

    private static boolean placeholder(String lower, int from, int to) {
        String v = lower.substring(from, to);
        for (String p : PLACEHOLDERS) {
            if (v.contains(p)) {
                return true;
            }
        }
        return false;
    }
}
