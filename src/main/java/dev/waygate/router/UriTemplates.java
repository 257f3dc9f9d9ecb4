package dev.waygate.router;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Matches a concrete URI against an RFC 6570 template, to route resources/read of a templated resource. */
final class UriTemplates {
    private static final Pattern EXPR = Pattern.compile("\\{([+#./;?&]?)[^}]*}");

    private UriTemplates() {}

    static Pattern compile(String template) {
        StringBuilder re = new StringBuilder();
        Matcher m = EXPR.matcher(template);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(template.substring(last, m.start())));
            re.append(switch (m.group(1)) {
                case "+", "#" -> ".*";
                case "?", "&" -> "(?:[?&][^#]*)?";
                default -> "[^/?#]*";
            });
            last = m.end();
        }
        re.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(re.toString());
    }
}
