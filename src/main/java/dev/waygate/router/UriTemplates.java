package dev.waygate.router;

import com.google.re2j.Pattern;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Matches a concrete URI against an RFC 6570 template, to route resources/read of a templated
 * resource. Templates come from upstream servers, so they are hostile input: matching uses RE2
 * (linear time, no catastrophic backtracking), and an overlong template is not routable.
 */
final class UriTemplates {
    static final int MAX_TEMPLATE = 2048;
    private static final java.util.regex.Pattern EXPR = java.util.regex.Pattern.compile("\\{([+#./;?&]?)[^{}]*}");

    private UriTemplates() {}

    /** A matcher for the template, or empty when the template is too long to route safely. */
    static Optional<Pattern> compile(String template) {
        if (template.length() > MAX_TEMPLATE) {
            return Optional.empty();
        }
        StringBuilder re = new StringBuilder();
        Matcher m = EXPR.matcher(template);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(template.substring(last, m.start())));
            re.append(switch (m.group(1)) {
                case "+", "#" -> ".*";
                case "?", "&" -> "(?:[?&][^#]*)?";
                case "/" -> "(?:/[^/?#]*)*";
                case "." -> "(?:\\.[^/?#.]*)*";
                case ";" -> "(?:;[^/?#]*)*";
                default -> "[^/?#]*";
            });
            last = m.end();
        }
        re.append(Pattern.quote(template.substring(last)));
        return Optional.of(Pattern.compile(re.toString(), Pattern.DOTALL));
    }
}
