package dev.waygate.guard;

import com.google.re2j.Pattern;
import java.util.List;
import java.util.Optional;

/**
 * SQL injection in an argument the configuration marks as reaching SQL as a value (a name, an id,
 * a search term — not a whole query, which a SQL tool expects). Precise on purpose: the words
 * SELECT, DROP or UNION in prose, or a query in a tutorial, do not trip it; what does is a quote
 * break followed by SQL, a numeric tautology, or a stacked destructive statement. Comments are
 * read as spaces first ({@code UNION/**}{@code /SELECT}). RE2 patterns: linear time.
 */
final class SqlInjection {
    private record Rule(String reason, Pattern pattern) {}

    private static final String Q = "['\"`]";
    private static final List<Rule> RULES = List.of(
            new Rule("tautology after a quote break", Pattern.compile(
                    Q + "\\s*\\)*\\s*(?:or|and|\\|\\||&&)\\s+\\(*\\s*['\"]?[a-z0-9_]*['\"]?\\s*(?:=|<>|!=|like\\b|is\\b|>|<)")),
            new Rule("boolean condition after a quote break", Pattern.compile(
                    Q + "\\s*\\)*\\s*(?:or|and)\\s+(?:true|false|not\\b|\\d+\\s*(?:--|#|$))")),
            new Rule("numeric tautology", Pattern.compile("^\\s*-?\\d+\\s*\\)*\\s+(?:or|and)\\s+\\(*\\d+\\s*(?:=|<>|>|<)\\s*\\d+")),
            new Rule("comment after a quote break", Pattern.compile(Q + "\\s*\\)*\\s*(?:--|#|;\\s*--)")),
            new Rule("UNION SELECT after a quote or number", Pattern.compile(
                    "(?:" + Q + "|\\d|\\))\\s*\\)*\\s*union(?:\\s+all|\\s+distinct)?\\s+select\\b")),
            new Rule("stacked statement", Pattern.compile(
                    ";\\s*(?:drop\\s+(?:table|database|schema|user|view|index)\\b|delete\\s+from\\b|insert\\s+into\\b"
                            + "|update\\s+[a-z0-9_.`\"\\[\\]]+\\s+set\\b|truncate\\s+table\\b|alter\\s+(?:table|user)\\b"
                            + "|exec(?:ute)?\\s+(?:xp_|sp_|master\\.)|shutdown\\b|grant\\s+all\\b|create\\s+user\\b)")),
            new Rule("time delay after a quote break", Pattern.compile(
                    Q + "\\s*\\)*\\s*(?:and|or|;|\\|\\|)\\s*\\(*\\s*(?:sleep\\s*\\(|benchmark\\s*\\(|pg_sleep\\s*\\(|waitfor\\s+delay\\b)")));

    private SqlInjection() {}

    static Optional<String> check(String normalised) {
        String s = comments(normalised.toLowerCase(java.util.Locale.ROOT));
        for (Rule r : RULES) {
            if (r.pattern().matcher(s).find()) {
                return Optional.of(r.reason());
            }
        }
        return Optional.empty();
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
