package dev.waygate.policy;

import com.google.re2j.Pattern;

/**
 * A name pattern in policy rules: {@code *} any run of characters, {@code ?} one character,
 * everything else literal. Matching is RE2 (linear time). A glob that uses characters no MCP name
 * can contain could never match: it is refused when the configuration is read.
 */
public final class Glob {
    private final String text;
    private final Pattern pattern;
    private final boolean any;

    private Glob(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
        this.any = text.equals("*");
    }

    /**
     * @param allowed the characters a matching name may contain (the glob may add * and ?)
     * @throws IllegalArgumentException naming why the glob can never match
     */
    public static Glob of(String text, java.util.regex.Pattern allowed) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("an empty pattern matches nothing");
        }
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?') {
                re.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
                re.append(c == '*' ? ".*" : ".");
            } else {
                if (!allowed.matcher(String.valueOf(c)).matches()) {
                    throw new IllegalArgumentException("'" + c + "' can never appear in a name, so '" + text + "' matches nothing");
                }
                literal.append(c);
            }
        }
        re.append(Pattern.quote(literal.toString()));
        return new Glob(text, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    public boolean matches(String name) {
        return any || pattern.matches(name);
    }

    @Override
    public String toString() {
        return text;
    }
}
