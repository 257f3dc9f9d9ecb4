package dev.waygate.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} expansion in configuration values; {@code ${NAME:-default}} uses the default when
 * the variable is unset or empty (as in .mcp.json files and shells); {@code $$} is a literal dollar.
 * A missing variable without a default is an error.
 */
final class Env {
    private static final Pattern REF = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}|\\$\\{([^}]*)}?");

    private Env() {}

    static String expand(String text, Function<String, String> env, Function<String, ConfigException> error) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        Matcher m = REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else if (m.group(1) != null) {
                String v = env.apply(m.group(1));
                if (m.group(2) != null && (v == null || v.isEmpty())) {
                    v = m.group(3);
                }
                if (v == null) {
                    throw error.apply("environment variable " + m.group(1) + " is not set");
                }
                replacement = v;
            } else {
                throw error.apply("malformed reference '" + m.group() + "' (write ${NAME}, ${NAME:-default}, or $$ for a dollar)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
