package dev.waygate.guard;

/** HTML character references a browser decodes in attributes: numeric ones and the few named ones attacks use. */
final class Entities {
    private Entities() {}

    static String decode(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '&') {
                sb.append(c);
                i++;
                continue;
            }
            int end = i + 1;
            while (end < s.length() && end - i < 12 && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '#')) {
                end++;
            }
            String name = s.substring(i + 1, end);
            int cp = codePoint(name);
            if (cp < 0) {
                sb.append(c);
                i++;
                continue;
            }
            sb.appendCodePoint(cp);
            i = end < s.length() && s.charAt(end) == ';' ? end + 1 : end; // the semicolon is optional to browsers
        }
        return sb.toString();
    }

    private static int codePoint(String name) {
        if (name.startsWith("#x") || name.startsWith("#X")) {
            return valid(number(name.substring(2), 16));
        }
        if (name.startsWith("#")) {
            return valid(number(name.substring(1), 10));
        }
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "lt" -> '<';
            case "gt" -> '>';
            case "quot" -> '"';
            case "apos" -> '\'';
            case "amp" -> '&';
            case "colon" -> ':';
            case "tab" -> '\t';
            case "newline" -> '\n';
            case "lpar" -> '(';
            case "rpar" -> ')';
            default -> -1;
        };
    }

    /** The number, or -1; no exceptions (a value of many {@code &#} must not cost one each). */
    private static int number(String digits, int radix) {
        if (digits.isEmpty() || digits.length() > 8) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), radix);
            if (d < 0) {
                return -1;
            }
            v = v * radix + d;
        }
        return v;
    }

    private static int valid(int cp) {
        return cp >= 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF) ? cp : -1;
    }
}
