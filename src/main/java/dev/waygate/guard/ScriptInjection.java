package dev.waygate.guard;

import com.google.re2j.Pattern;
import java.util.List;
import java.util.Optional;

/**
 * Script injection in an argument the configuration marks as HTML (a page body, a comment that a
 * web app renders). Character references are decoded and tabs and line breaks removed first, as
 * a browser does in URLs ({@code &#106;avascript:}, {@code java&#x09;script:}). Ordinary markup
 * ({@code <b>}, {@code <a href="https://...">}, {@code <code>}) passes; what does not: script
 * elements, elements that load active content, event-handler attributes, and script URLs in
 * link attributes or as the whole value. RE2 patterns: linear time.
 */
final class ScriptInjection {
    private record Rule(String reason, Pattern pattern) {}

    private static final List<Rule> RULES = List.of(
            new Rule("script element", Pattern.compile("<\\s*/?\\s*script\\b")),
            new Rule("active-content element", Pattern.compile("<\\s*(?:iframe|frame|frameset|object|embed|applet|base|meta\\s[^>]*http-equiv)\\b")),
            new Rule("event-handler attribute", Pattern.compile("<[a-z][^>]*[\\s/\"']on[a-z]{3,}\\s*=")),
            new Rule("script URL in an attribute", Pattern.compile(
                    "(?:href|src|action|formaction|xlink:href|data|background|poster|lowsrc)\\s*=\\s*['\"]?\\s*(?:javascript|vbscript|livescript):")),
            new Rule("HTML data URL in an attribute", Pattern.compile(
                    "(?:href|src|action|formaction|data)\\s*=\\s*['\"]?\\s*data:text/html")),
            new Rule("script URL", Pattern.compile("^\\s*(?:javascript|vbscript|livescript):\\S")), // not "JavaScript: the book"
            new Rule("CSS expression", Pattern.compile("style\\s*=\\s*['\"]?[^>]*expression\\s*\\(")));

    private ScriptInjection() {}

    static Optional<String> check(String normalised) {
        String s = Entities.decode(normalised).toLowerCase(java.util.Locale.ROOT);
        if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            s = s.replace("\t", "").replace("\n", "").replace("\r", "");
        }
        if (s.indexOf('<') < 0 && s.indexOf(':') < 0) {
            return Optional.empty();
        }
        for (Rule r : RULES) {
            if (r.pattern().matcher(s).find()) {
                return Optional.of(r.reason());
            }
        }
        return Optional.empty();
    }
}
