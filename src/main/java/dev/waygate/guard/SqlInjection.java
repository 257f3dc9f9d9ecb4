package dev.waygate.guard;

import com.google.re2j.Pattern;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * SQL injection in an argument the configuration marks as reaching SQL as a value (a name, an id,
 * a search term — not a whole query, which a SQL tool expects). Precise on purpose: the words
 * SELECT, DROP or UNION in prose, or a query in a tutorial, do not trip it; what does is a quote
 * break followed by SQL, a numeric tautology, or a stacked destructive statement. Comments are
 * read as spaces first ({@code UNION/**}{@code /SELECT}). RE2 patterns (linear time) on values of
 * at most {@link #MAX_LENGTH} characters.
 */
final class SqlInjection {
    private record Rule(String reason, Pattern pattern) {}

    private static final String Q = "['\"`]";
    private static final String QUOTE = "'\"`";
    /** Anchored at a quote. */
    private static final List<Rule> AT_QUOTE = List.of(
            new Rule("tautology after a quote break", Pattern.compile(
                    Q + "\\s*\\)*\\s*(?:or|and|\\|\\||&&)\\s+\\(*\\s*['\"]?[a-z0-9_]*['\"]?\\s*(?:=|<>|!=|like\\b|is\\b|>|<)")),
            new Rule("boolean condition after a quote break", Pattern.compile(
                    Q + "\\s*\\)*\\s*(?:or|and)\\s+(?:true|false|not\\b|\\d+\\s*(?:--|#|$))")),
            new Rule("comment after a quote break", Pattern.compile(Q + "\\s*\\)*\\s*(?:--|#|;\\s*--)")),
            new Rule("time delay after a quote break", Pattern.compile(
                    Q + "\\s*\\)*\\s*(?:and|or|;|\\|\\|)\\s*\\(*\\s*(?:sleep\\s*\\(|benchmark\\s*\\(|pg_sleep\\s*\\(|waitfor\\s+delay\\b)")));
    /** Anchored at a quote, the first digit of a number, or a closing parenthesis. */
    private static final Rule UNION = new Rule("UNION SELECT after a quote or number", Pattern.compile(
            "(?:" + Q + "|\\d+|\\))\\s*\\)*\\s*union(?:\\s+all|\\s+distinct)?\\s+select\\b"));
    /** Anchored at a semicolon. */
    private static final Rule STACKED = new Rule("stacked statement", Pattern.compile(
            ";\\s*(?:drop\\s+(?:table|database|schema|user|view|index)\\b|delete\\s+from\\b|insert\\s+into\\b"
                    + "|update\\s+[a-z0-9_.`\"\\[\\]]+\\s+set\\b|truncate\\s+table\\b|alter\\s+(?:table|user)\\b"
                    + "|exec(?:ute)?\\s+(?:xp_|sp_|master\\.)|shutdown\\b|grant\\s+all\\b|create\\s+user\\b)"));
    /** Anchored at the start of the value. */
    private static final Rule NUMERIC = new Rule("numeric tautology",
            Pattern.compile("\\s*-?\\d+\\s*\\)*\\s+(?:or|and)\\s+\\(*\\d+\\s*(?:=|<>|>|<)\\s*\\d+"));

    private SqlInjection() {}

    /**
     * Values longer than this are refused rather than matched: values bound for SQL (names, ids,
     * search terms) are short, and the bound keeps the regular expressions' cost small.
     */
    static final int MAX_LENGTH = 4096;
    private static final List<Rule> ALL = java.util.stream.Stream.concat(AT_QUOTE.stream(), Stream.of(UNION, STACKED)).toList();

    static Optional<String> check(String normalised) {
        if (normalised.length() > MAX_LENGTH) {
            return Optional.of("longer than " + MAX_LENGTH + " characters, too long to inspect");
        }
        String s = comments(normalised.toLowerCase(java.util.Locale.ROOT));
        if (NUMERIC.pattern().matcher(s).lookingAt()) {
            return Optional.of(NUMERIC.reason());
        }
        if (!mayInject(s)) {
            return Optional.empty();
        }
        for (Rule r : ALL) {
            if (r.pattern().matcher(s).find()) {
                return Optional.of(r.reason());
            }
        }
        return Optional.empty();
    }

    /** Every rule needs a quote, a semicolon or a union: text with none skips the patterns. */
    private static boolean mayInject(String s) {
        return s.indexOf('\'') >= 0 || s.indexOf('"') >= 0 || s.indexOf('`') >= 0 || s.indexOf(';') >= 0 || s.contains("union");
    }

    /** {@code /* ... *}{@code /} comments as one space; an unclosed one runs to the end (as SQL reads it). */
    static String comments(String s) {
        int open = s.indexOf("/*");
        if (open < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        int at = 0;
        while (open >= 0) {
            sb.append(s, at, open).append(' ');
            int close = s.indexOf("*/", open + 2);
            if (close < 0) {
                return sb.toString();
            }
            at = close + 2;
            open = s.indexOf("/*", at);
        }
        return sb.append(s, at, s.length()).toString();
    }
}
