package dev.waygate.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Refuses a secret written inline in a server's {@code env}, {@code headers} or {@code url}
 * (issue 3, decision 0010): such a value must come from a reference ({@code ${NAME}},
 * {@code ${file:PATH}}), so the configuration can be committed, shared and printed without
 * leaking it. {@code allow_inline_secrets: true} turns the check off.
 *
 * <p>The check looks at where a value comes from, not at what it looks like: under a secret name,
 * a value passes when it is blank or takes part of itself from a reference without a written
 * default ({@code "Bearer ${TOKEN}"}). {@code ${TOKEN:-abc}} does not pass: when TOKEN is unset the
 * secret is the literal {@code abc}. It prevents accidents; it is no defence against an author who
 * wants a literal secret (that author sets the switch). Messages name the key, never the value.
 */
final class InlineSecrets {
    /** Parts of an upper-cased variable name that make it a secret wherever they appear (PGPASSWORD, AWS_SECRET_ACCESS_KEY). */
    private static final List<String> ENV_PARTS = List.of("PASSWORD", "PASSWD", "SECRET", "API_KEY", "APIKEY",
            "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL");
    /** Whole segments (between _ - .) that make it a secret; a segment ending in TOKEN does too, TOKENIZERS_PARALLELISM does not. */
    private static final Set<String> ENV_SEGMENTS = Set.of("AUTH", "AUTHORIZATION", "PWD", "PASS", "COOKIE");
    /** A last segment that says the variable names where or how, not the secret itself (TOKEN_URL, SECRET_FILE, AWS_ACCESS_KEY_ID). */
    private static final Set<String> DESCRIPTORS = Set.of("FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT", "HOST",
            "PORT", "TYPE", "MODE", "METHOD", "TTL", "TIMEOUT", "EXPIRY", "NAME", "USER", "USERNAME", "ID", "REGION");
    /** Well-known variables that hold a path to a credential, not the credential. */
    private static final Set<String> PATH_VARIABLES = Set.of("GOOGLE_APPLICATION_CREDENTIALS");
    private static final Pattern SECRET_HEADER = Pattern.compile(
            "(?i)authorization|proxy-authorization|cookie|api-key|x-(?:[a-z0-9]+-)*(?:token|key|secret|credentials?|auth|password)");
    private static final Set<String> QUERY_SEGMENTS = Set.of("token", "key", "apikey", "secret", "password", "passwd",
            "pwd", "auth", "sig", "signature");
    private static final Pattern WRITTEN_DEFAULT = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*:-[^}]+}");

    private InlineSecrets() {}

    static boolean isSecretEnvName(String name) {
        String u = name.toUpperCase(Locale.ROOT);
        if (u.equals("PWD") || PATH_VARIABLES.contains(u)) {
            return false; // the shell's working directory; a path
        }
        String[] segments = u.split("[_.\\-]");
        if (segments.length > 1 && DESCRIPTORS.contains(segments[segments.length - 1])) {
            return false;
        }
        if (ENV_PARTS.stream().anyMatch(u::contains)) {
            return true;
        }
        for (String s : segments) {
            if (ENV_SEGMENTS.contains(s) || s.endsWith("TOKEN") || s.endsWith("TOKENS")) {
                return true;
            }
        }
        return false;
    }

    static boolean isSecretHeader(String name) {
        return SECRET_HEADER.matcher(name).matches();
    }

    static boolean isSecretQueryParameter(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        String[] segments = n.split("[_.\\-]");
        return QUERY_SEGMENTS.contains(segments[segments.length - 1])
                || n.endsWith("token") || n.endsWith("apikey") || n.endsWith("secret") || n.endsWith("password");
    }

    /** Refuses {@code n}, a value under a secret name, unless blank or taken from a reference. */
    static void requireReference(Node n, String variable, String server) {
        String literal = n.literalView();
        if (literal.isBlank() || fromReference(literal)) {
            return;
        }
        throw n.error(refusal("the value", n, variable, server));
    }

    /** Refuses a password in the URL's user info, and the value of a secret-named query parameter, written inline. */
    static void checkUrl(Node n, String server) {
        String url = n.literalView();
        int start = url.indexOf("://");
        int end = firstOf(url, start < 0 ? 0 : start + 3, "/?#");
        String authority = start < 0 ? "" : url.substring(start + 3, end);
        int at = authority.lastIndexOf('@');
        int colon = authority.indexOf(':');
        if (at > 0 && colon >= 0 && colon < at) {
            String password = authority.substring(colon + 1, at);
            if (!password.isBlank() && !fromReference(password)) {
                throw n.error(refusal("the password in the URL", n, variableFor(server), server));
            }
        }
        int q = url.indexOf('?', end);
        if (q < 0) {
            return;
        }
        int hash = url.indexOf('#', q);
        for (String param : url.substring(q + 1, hash < 0 ? url.length() : hash).split("&")) {
            int eq = param.indexOf('=');
            String name = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : param.substring(eq + 1);
            if (isSecretQueryParameter(name) && !value.isBlank() && !fromReference(value)) {
                throw n.error(refusal("query parameter '" + name + "' in the URL", n, variableFor(server), server));
            }
        }
    }

    /** A variable name to suggest for a secret of this server: GITHUB_TOKEN for server github. */
    static String variableFor(String server) {
        String v = server.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_") + "_TOKEN";
        return Character.isDigit(v.charAt(0)) ? "_" + v : v;
    }

    private static boolean fromReference(String literal) {
        return literal.indexOf(Env.FROM_REFERENCE) >= 0;
    }

    private static String refusal(String what, Node n, String variable, String server) {
        String fix = "use ${" + variable + "} or ${file:secrets/" + server + "}, or set allow_inline_secrets: true";
        if (WRITTEN_DEFAULT.matcher(n.rawText()).find()) {
            return what + " is a secret written inline (the default of ${NAME:-...} is literal text): " + fix;
        }
        return what + " is a secret written inline: " + fix;
    }

    private static int firstOf(String s, int from, String chars) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }
}
