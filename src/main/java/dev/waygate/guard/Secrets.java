package dev.waygate.guard;

import dev.waygate.guard.SecretMatch.Confidence;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * The one list of credential shapes, used by the argument guard (deny: exfiltration), the result
 * guard (redact with {@code [REDACTED:kind]}) and the audit {@code Redactor} (hide before writing).
 *
 * <p>Every shape is found by a hand-written scan, not a regular expression: a literal prefix is
 * searched with {@code indexOf}, then the token's body is read while its characters fit, and the
 * next search starts after it. Each kind reads each character a bounded number of times, so a
 * scan is linear in the text whatever it holds (1 MiB of {@code eyJeyJ...} included).
 */
public final class Secrets {
    private static final IntPredicate ALNUM = c -> c < 128 && Character.isLetterOrDigit(c);
    private static final IntPredicate UPPER_DIGIT = c -> (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    private static final IntPredicate TOKEN = c -> ALNUM.test(c) || c == '_' || c == '-';
    private static final IntPredicate WORD = c -> ALNUM.test(c) || c == '_';
    private static final IntPredicate JWT = c -> TOKEN.test(c) || c == '.';
    private static final IntPredicate BEARER = c -> ALNUM.test(c) || "._~+/=-".indexOf(c) >= 0;
    private static final IntPredicate BASE64 = c -> ALNUM.test(c) || c == '+' || c == '/' || c == '=';

    /** A provider token: literal prefix, then a body of one character class. */
    private record TokenRule(String kind, List<String> prefixes, IntPredicate body, int min, int exact,
                             java.util.function.BiFunction<String, String, Confidence> judge) {}

    private static final List<TokenRule> TOKENS = List.of(
            new TokenRule("aws-access-key", List.of("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA"), UPPER_DIGIT, 16, 16,
                    (p, b) -> b.endsWith("EXAMPLE") ? Confidence.WEAK : Confidence.SHAPE),
            new TokenRule("github-token", List.of("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), ALNUM, 30, 0,
                    (p, b) -> Checksums.githubCrc(b) ? Confidence.VERIFIED : Confidence.SHAPE),
            new TokenRule("github-token", List.of("github_pat_"), WORD, 30, 0, (p, b) -> Confidence.SHAPE),
            new TokenRule("gitlab-token", List.of("glpat-"), TOKEN, 20, 0, (p, b) -> Confidence.SHAPE),
            new TokenRule("slack-token", List.of("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"),
                    c -> ALNUM.test(c) || c == '-', 10, 0, (p, b) -> Confidence.SHAPE),
            new TokenRule("stripe-key", List.of("sk_live_", "rk_live_", "sk_test_", "rk_test_"), ALNUM, 16, 0,
                    (p, b) -> Confidence.SHAPE),
            new TokenRule("ai-api-key", List.of("sk-"), TOKEN, 20, 0, (p, b) -> hasDigit(b) ? Confidence.SHAPE : Confidence.WEAK),
            new TokenRule("google-api-key", List.of("AIza"), TOKEN, 35, 0, (p, b) -> Confidence.SHAPE));

    private Secrets() {}

    /** All credential shapes in {@code s}, by position, without overlaps (the earlier, then longer, wins). */
    public static List<SecretMatch> scan(String s) {
        List<SecretMatch> out = new ArrayList<>();
        for (int i = 0; i < TOKENS.size(); i++) { // by index: no iterator per string scanned
            TokenRule r = TOKENS.get(i);
            for (int j = 0; j < r.prefixes().size(); j++) {
                tokens(s, r, r.prefixes().get(j), out);
            }
        }
        waygateKeys(s, out);
        jwts(s, out);
        privateKeys(s, out);
        urlCredentials(s, out);
        queryParameters(s, out);
        if (mayHoldWords(s)) {
            String lower = s.toLowerCase(Locale.ROOT);
            if (lower.length() == s.length()) { // positions must line up; otherwise scan the original
                schemes(s, lower, out);
                awsSecret(s, lower, out);
                Assignments.scan(s, lower, out);
            }
        }
        return dedupe(out);
    }

    /** Whether {@code s} holds any credential shape, weak ones included: the audit log's test. */
    public static boolean any(String s) {
        return !scan(s).isEmpty();
    }

    /** {@code s} with each actionable match replaced by {@code [REDACTED:kind]}. */
    public static String redact(String s, List<SecretMatch> matches) {
        StringBuilder sb = new StringBuilder(s.length());
        int at = 0;
        for (SecretMatch m : matches) {
            if (!m.actionable()) {
                continue;
            }
            sb.append(s, at, m.start()).append("[REDACTED:").append(m.kind()).append(']');
            at = m.end();
        }
        return sb.append(s, at, s.length()).toString();
    }

    private static void tokens(String s, TokenRule r, String prefix, List<SecretMatch> out) {
        int from = 0;
        int i;
        while ((i = s.indexOf(prefix, from)) >= 0) {
            int bodyStart = i + prefix.length();
            int end = run(s, bodyStart, r.body());
            int len = end - bodyStart;
            boolean boundary = i == 0 || !WORD.test(s.charAt(i - 1));
            boolean fits = r.exact() > 0 ? len == r.exact() : len >= r.min();
            if (boundary && fits) {
                out.add(new SecretMatch(r.kind(), i, end, r.judge().apply(prefix, s.substring(bodyStart, end))));
            }
            from = Math.max(end, i + 1);
        }
    }

    /** Waygate's own API keys, {@code wg_<id>_<secret>} (see {@code auth.KeyStore}); looser shapes are weak. */
    private static void waygateKeys(String s, List<SecretMatch> out) {
        int from = 0;
        int i;
        while ((i = s.indexOf("wg_", from)) >= 0) {
            int idEnd = run(s, i + 3, ALNUM);
            int end = idEnd;
            if (idEnd - (i + 3) >= 6 && idEnd < s.length() && s.charAt(idEnd) == '_') {
                end = run(s, idEnd + 1, TOKEN);
                if (end - idEnd - 1 >= 16) {
                    boolean exact = idEnd - (i + 3) == 10 && end - idEnd - 1 == 43;
                    out.add(new SecretMatch("waygate-key", i, end, exact ? Confidence.VERIFIED : Confidence.SHAPE));
                }
            }
            from = Math.max(end, i + 1);
        }
    }

    /** {@code header.payload.signature}, each base64url; verified when the header decodes to JSON naming {@code alg}. */
    private static void jwts(String s, List<SecretMatch> out) {
        int from = 0;
        int i;
        while ((i = s.indexOf("eyJ", from)) >= 0) {
            int end = run(s, i, JWT);
            int dot1 = indexOf(s, '.', i, end);
            int dot2 = dot1 < 0 ? -1 : indexOf(s, '.', dot1 + 1, end);
            if (dot1 - i >= 7 && dot2 - dot1 - 1 >= 4) {
                int dot3 = indexOf(s, '.', dot2 + 1, end);
                int stop = dot3 > 0 ? dot3 : end;
                out.add(new SecretMatch("jwt", i, stop, jsonHeader(s.substring(i, dot1)) ? Confidence.VERIFIED : Confidence.WEAK));
            }
            from = Math.max(end, i + 1);
        }
    }

    private static boolean jsonHeader(String b64) {
        try {
            String h = new String(java.util.Base64.getUrlDecoder().decode(b64.replace("=", "")),
                    java.nio.charset.StandardCharsets.UTF_8).trim();
            return h.startsWith("{") && h.contains("\"alg\"");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A PEM or PGP private key block, through its END line (or to the end of the text if cut). */
    private static void privateKeys(String s, List<SecretMatch> out) {
        int from = 0;
        int i;
        while ((i = s.indexOf("-----BEGIN", from)) >= 0) {
            int label = run(s, i + 10, c -> (c >= 'A' && c <= 'Z') || c == ' ');
            String head = s.substring(i + 10, label);
            if (!(head.endsWith("PRIVATE KEY") || head.endsWith("PRIVATE KEY BLOCK")) || !s.startsWith("-----", label)) {
                from = label + 1;
                continue;
            }
            int endLine = s.indexOf("-----END", label + 5);
            int end = endLine < 0 ? s.length() : s.indexOf("-----", run(s, endLine + 8, c -> (c >= 'A' && c <= 'Z') || c == ' '));
            end = end < 0 ? s.length() : Math.min(s.length(), end + 5);
            out.add(new SecretMatch("private-key", i, end, Confidence.VERIFIED));
            from = end;
        }
    }

    /** {@code scheme://user:password@host}. */
    private static void urlCredentials(String s, List<SecretMatch> out) {
        int from = 0;
        int i;
        while ((i = s.indexOf("://", from)) >= 0) {
            int start = i;
            while (start > 0 && (ALNUM.test(s.charAt(start - 1)) || "+.-".indexOf(s.charAt(start - 1)) >= 0)) {
                start--;
            }
            while (start < i && !Character.isLetter(s.charAt(start))) {
                start++;
            }
            int user = run(s, i + 3, c -> c != '/' && c != ':' && c != '@' && !Character.isWhitespace(c));
            int end = i + 3;
            if (start < i && user > i + 3 && user < s.length() && s.charAt(user) == ':') {
                int pass = run(s, user + 1, c -> c != '/' && c != '@' && !Character.isWhitespace(c));
                if (pass > user + 1 && pass < s.length() && s.charAt(pass) == '@') {
                    out.add(new SecretMatch("url-credentials", start, pass + 1, Confidence.SHAPE));
                }
                end = pass;
            }
            from = Math.max(end, Math.max(user, i + 3));
        }
    }

    /** {@code ?token=...} / {@code &api_key=...}: sure for credential names, weak for short or plain values. */
    private static void queryParameters(String s, List<SecretMatch> out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '?' && c != '&') {
                continue;
            }
            int nameEnd = run(s, i + 1, x -> (x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z') || x == '_');
            if (nameEnd >= s.length() || s.charAt(nameEnd) != '=' || nameEnd - i - 1 > 16) {
                continue;
            }
            String name = s.substring(i + 1, nameEnd).toLowerCase(Locale.ROOT);
            Boolean sure = switch (name) {
                case "access_token", "token", "api_key", "apikey", "secret", "password", "passwd" -> Boolean.TRUE;
                case "key", "sig", "signature", "code" -> Boolean.FALSE;
                default -> null;
            };
            if (sure == null) {
                continue;
            }
            int end = run(s, nameEnd + 1, x -> x != '&' && x != '#' && !Character.isWhitespace(x));
            int len = end - nameEnd - 1;
            if (len < 4) {
                continue;
            }
            boolean strong = sure ? len >= 8 : len >= 16 && Entropy.bitsPerChar(s, nameEnd + 1, end) >= 3.5;
            out.add(new SecretMatch("url-secret", i + 1, end, strong ? Confidence.SHAPE : Confidence.WEAK));
            i = end - 1;
        }
    }

    /** {@code Bearer <token>} and {@code Basic <base64>}: sure only when the token looks random or decodes to user:pass. */
    private static void schemes(String s, String lower, List<SecretMatch> out) {
        for (String word : List.of("bearer", "basic")) {
            int from = 0;
            int i;
            while ((i = lower.indexOf(word, from)) >= 0) {
                from = i + word.length();
                if (i > 0 && Character.isLetter(s.charAt(i - 1))) {
                    continue;
                }
                int bodyStart = run(s, from, Character::isWhitespace);
                if (bodyStart == from) {
                    continue;
                }
                int end = run(s, bodyStart, word.equals("bearer") ? BEARER : BASE64);
                if (end - bodyStart < 8) {
                    continue;
                }
                String body = s.substring(bodyStart, end);
                Confidence c = word.equals("bearer")
                        ? (body.length() >= 16 && hasDigit(body) ? Confidence.SHAPE : Confidence.WEAK)
                        : (basicPair(body) ? Confidence.SHAPE : Confidence.WEAK);
                out.add(new SecretMatch(word.equals("bearer") ? "bearer-token" : "basic-auth", i, end, c));
                from = end;
            }
        }
    }

    private static boolean basicPair(String b64) {
        try {
            return new String(java.util.Base64.getDecoder().decode(b64), java.nio.charset.StandardCharsets.ISO_8859_1)
                    .indexOf(':') > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code aws_secret_access_key = <40 chars>}; the key name alone with a separator is weak. */
    private static void awsSecret(String s, String lower, List<SecretMatch> out) {
        int from = 0;
        int i;
        String key = "aws_secret_access_key";
        while ((i = lower.indexOf(key, from)) >= 0) {
            int j = run(s, i + key.length(), c -> c == ' ' || c == '\t' || c == '"' || c == '\'');
            from = i + key.length();
            if (j >= s.length() || (s.charAt(j) != '=' && s.charAt(j) != ':')) {
                continue;
            }
            int v = run(s, j + 1, c -> c == ' ' || c == '\t' || c == '"' || c == '\'');
            int end = run(s, v, BASE64);
            boolean value = end - v == 40;
            out.add(new SecretMatch("aws-secret-key", i, value ? end : j + 1, value ? Confidence.SHAPE : Confidence.WEAK));
            from = Math.max(from, end);
        }
    }

    /** Whether a word-keyed shape (bearer, basic, aws_secret_access_key, password=...) may occur at all. */
    private static boolean mayHoldWords(String s) {
        return s.indexOf('=') >= 0 || s.indexOf(':') >= 0 || s.indexOf(' ') >= 0 || s.indexOf('\t') >= 0;
    }

    static int run(String s, int from, IntPredicate p) {
        int i = from;
        while (i < s.length() && p.test(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int indexOf(String s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    static boolean hasDigit(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isDigit(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static List<SecretMatch> dedupe(List<SecretMatch> all) {
        if (all.size() < 2) {
            return all;
        }
        all.sort(Comparator.comparingInt(SecretMatch::start).thenComparing(m -> -m.end()));
        List<SecretMatch> out = new ArrayList<>();
        int reach = -1;
        for (SecretMatch m : all) {
            if (m.start() >= reach) {
                out.add(m);
                reach = m.end();
            } else if (m.actionable() && !out.getLast().actionable()) {
                // a sure match inside a weak one's span (Bearer <JWT>): keep the sure one's kind
                SecretMatch weak = out.removeLast();
                out.add(new SecretMatch(m.kind(), weak.start(), Math.max(weak.end(), m.end()), m.confidence()));
                reach = Math.max(reach, m.end());
            }
        }
        return out;
    }
}
