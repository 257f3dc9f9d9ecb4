package dev.waygate.guard;

import java.util.ArrayList;
import java.util.List;

/**
 * Personal data in results, redacted when configured ({@code pii: enforce}; off by default):
 * e-mail addresses, phone numbers written in international ({@code +49 30 1234567}) or North
 * American ({@code (415) 555-0132}) form, payment card numbers that pass Luhn, and IBANs that pass
 * the mod-97 check. The checksums keep order numbers and ids from being taken for cards or IBANs.
 * Hand-written scans; linear.
 */
final class Pii {
    record Match(String kind, int start, int end) {}

    private Pii() {}

    static List<Match> scan(String s) {
        List<Match> out = new ArrayList<>();
        emails(s, out);
        digits(s, out);
        ibans(s, out);
        out.sort(java.util.Comparator.comparingInt(Match::start));
        List<Match> merged = new ArrayList<>();
        int reach = -1;
        for (Match m : out) {
            if (m.start() >= reach) {
                merged.add(m);
                reach = m.end();
            }
        }
        return merged;
    }

    static String redact(String s, List<Match> matches) {
        StringBuilder sb = new StringBuilder(s.length());
        int at = 0;
        for (Match m : matches) {
            sb.append(s, at, m.start()).append("[REDACTED:").append(m.kind()).append(']');
            at = m.end();
        }
        return sb.append(s, at, s.length()).toString();
    }

    private static boolean localChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || "._%+-".indexOf(c) >= 0);
    }

    private static void emails(String s, List<Match> out) {
        int from = 0;
        int at;
        int lastEnd = 0;
        while ((at = s.indexOf('@', from)) >= 0) {
            int start = at;
            while (start > lastEnd && localChar(s.charAt(start - 1))) {
                start--;
            }
            int end = at + 1;
            int lastDot = -1;
            while (end < s.length() && s.charAt(end) < 128 && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '-'
                    || s.charAt(end) == '.')) {
                if (s.charAt(end) == '.') {
                    lastDot = end;
                }
                end++;
            }
            while (end > at + 1 && s.charAt(end - 1) == '.') {
                end--;
            }
            int tld = lastDot < 0 || lastDot >= end ? 0 : end - lastDot - 1;
            if (start < at && lastDot > at + 1 && tld >= 2 && allLetters(s, lastDot + 1, end)) {
                out.add(new Match("email", start, end));
                lastEnd = end;
            }
            from = Math.max(at + 1, end);
        }
    }

    private static boolean allLetters(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isLetter(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Runs of digits with single spaces, dashes, dots or parentheses between them: card numbers and phones. */
    private static void digits(String s, List<Match> out) {
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean plus = c == '+' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1));
            boolean paren = c == '(' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1));
            if (!(plus || paren || (c >= '0' && c <= '9')) || (i > 0 && Character.isLetterOrDigit(s.charAt(i - 1)))) {
                i++;
                continue;
            }
            int end = i + (plus || paren ? 1 : 0);
            int count = 0;
            int lastDigit = end;
            while (end < s.length()) {
                char d = s.charAt(end);
                if (d >= '0' && d <= '9') {
                    count++;
                    lastDigit = end + 1;
                } else if (!(" -.()".indexOf(d) >= 0 && end + 1 < s.length() && (Character.isDigit(s.charAt(end + 1))
                        || s.charAt(end + 1) == ' ' || s.charAt(end + 1) == '('))) {
                    break;
                }
                end++;
                if (end - i > 40) {
                    break;
                }
            }
            end = lastDigit;
            boolean wordAfter = end < s.length() && Character.isLetterOrDigit(s.charAt(end));
            if (!wordAfter && c >= '2' && c <= '6' && count >= 13 && count <= 19 && Checksums.luhn(s, i, end)) {
                out.add(new Match("card-number", i, end));
            } else if (!wordAfter && plus && count >= 8 && count <= 15) {
                out.add(new Match("phone", i, end));
            } else if (!wordAfter && paren && count == 10 && s.charAt(i + 4) == ')') {
                out.add(new Match("phone", i, end));
            }
            i = Math.max(end, i + 1);
        }
    }

    /** Two letters, two check digits, then 11–30 letters or digits, optionally in groups of four. */
    private static void ibans(String s, List<Match> out) {
        for (int i = 0; i + 15 <= s.length(); i++) {
            if (!(upper(s.charAt(i)) && upper(s.charAt(i + 1)) && Character.isDigit(s.charAt(i + 2))
                    && Character.isDigit(s.charAt(i + 3))) || (i > 0 && Character.isLetterOrDigit(s.charAt(i - 1)))) {
                continue;
            }
            StringBuilder compact = new StringBuilder();
            int end = i;
            int lastChar = i;
            while (end < s.length() && compact.length() < 34) {
                char c = s.charAt(end);
                if (upper(c) || Character.isDigit(c)) {
                    compact.append(c);
                    lastChar = end + 1;
                } else if (!(c == ' ' && end + 1 < s.length() && (upper(s.charAt(end + 1)) || Character.isDigit(s.charAt(end + 1))))) {
                    break;
                }
                end++;
            }
            if (Checksums.iban(compact.toString())) {
                out.add(new Match("iban", i, lastChar));
                i = lastChar - 1;
            }
        }
    }

    private static boolean upper(char c) {
        return c >= 'A' && c <= 'Z';
    }
}
