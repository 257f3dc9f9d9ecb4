package dev.waygate.guard;

import com.google.re2j.Pattern;
import java.util.Optional;

/**
 * Script injection in an argument the configuration marks as HTML (a page body, a comment that a
 * web app renders). Character references are decoded and tabs and line breaks removed first, as
 * a browser does in URLs ({@code &#106;avascript:}, {@code java&#x09;script:}). Ordinary markup
 * ({@code <b>}, {@code <a href="https://...">}, {@code <code>}) passes; what does not: script
 * elements, elements that load active content, event-handler attributes, script URLs in link
 * attributes or as the whole value, CSS expressions.
 *
 * <p>One left-to-right pass: element patterns are matched anchored at each {@code <}, URL
 * patterns anchored after each {@code =}, on bounded windows; event handlers and CSS expressions
 * are found by tracking whether the scan is inside a tag. Linear in the value.
 */
final class ScriptInjection {
    static final int WINDOW = 64;
    private static final java.util.Set<String> ACTIVE = java.util.Set.of("iframe", "frame", "frameset", "object", "embed",
            "applet", "base");
    private static final Pattern SCRIPT_URL = Pattern.compile("\\s*['\"]?\\s*(?:javascript|vbscript|livescript):");
    private static final Pattern HTML_DATA_URL = Pattern.compile("\\s*['\"]?\\s*data:text/html");
    private static final Pattern WHOLE_SCRIPT_URL = Pattern.compile("\\s*(?:javascript|vbscript|livescript):\\S");
    private static final java.util.Set<String> URL_ATTRIBUTES = java.util.Set.of("href", "src", "action", "formaction",
            "xlink:href", "data", "background", "poster", "lowsrc");

    private ScriptInjection() {}

    static Optional<String> check(String normalised) {
        String s = Entities.decode(normalised).toLowerCase(java.util.Locale.ROOT);
        if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            s = s.replace("\t", "").replace("\n", "").replace("\r", "");
        }
        if (at(WHOLE_SCRIPT_URL, s, 0)) {
            return Optional.of("script URL");
        }
        int tagStart = -1; // inside a tag since this '<', or -1
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '<') {
                String tag = tagName(s, i);
                if (tag.equals("script")) {
                    return Optional.of("script element");
                }
                if (ACTIVE.contains(tag) || (tag.equals("meta")
                        && s.substring(i, Math.min(s.length(), i + 256)).contains("http-equiv"))) {
                    return Optional.of("active-content element");
                }
                tagStart = i + 1 < s.length() && s.charAt(i + 1) >= 'a' && s.charAt(i + 1) <= 'z' ? i : tagStart;
            } else if (c == '>') {
                tagStart = -1;
            } else if (c == '=' && tagStart >= 0) {
                String attr = attributeBefore(s, i);
                if (attr.startsWith("on") && attr.length() >= 5 && letters(attr) && boundaryBefore(s, i, attr)) {
                    return Optional.of("event-handler attribute");
                }
                if (URL_ATTRIBUTES.contains(attr) && at(SCRIPT_URL, s, i + 1)) {
                    return Optional.of("script URL in an attribute");
                }
                if (URL_ATTRIBUTES.contains(attr) && at(HTML_DATA_URL, s, i + 1)) {
                    return Optional.of("HTML data URL in an attribute");
                }
            } else if (c == '(' && tagStart >= 0 && s.startsWith("expression", Math.max(0, trimBack(s, i) - 10))
                    && s.lastIndexOf("style", i) > tagStart) {
                return Optional.of("CSS expression");
            }
        }
        return Optional.empty();
    }

    /** The element name after {@code <} ({@code < / script} → script), at most 16 letters; empty if none. */
    private static String tagName(String s, int lt) {
        int i = lt + 1;
        int limit = Math.min(s.length(), lt + 8);
        while (i < limit && (Character.isWhitespace(s.charAt(i)) || s.charAt(i) == '/')) {
            i++;
        }
        int start = i;
        while (i < s.length() && i - start < 16 && s.charAt(i) >= 'a' && s.charAt(i) <= 'z') {
            i++;
        }
        return s.substring(start, i);
    }

    /** The attribute name before an {@code =} (spaces allowed between), at most 16 characters back. */
    private static String attributeBefore(String s, int eq) {
        int end = trimBack(s, eq);
        int start = end;
        while (start > 0 && end - start < 16 && (Character.isLetter(s.charAt(start - 1)) || s.charAt(start - 1) == ':')) {
            start--;
        }
        return s.substring(start, end);
    }

    private static boolean boundaryBefore(String s, int eq, String attr) {
        int start = trimBack(s, eq) - attr.length();
        char before = start > 0 ? s.charAt(start - 1) : ' ';
        return Character.isWhitespace(before) || before == '/' || before == '"' || before == '\'';
    }

    private static int trimBack(String s, int i) {
        int end = i;
        while (end > 0 && i - end < 8 && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean letters(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isLetter(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean at(Pattern p, String s, int i) {
        return p.matcher(s.substring(i, Math.min(s.length(), i + WINDOW))).lookingAt();
    }
}
