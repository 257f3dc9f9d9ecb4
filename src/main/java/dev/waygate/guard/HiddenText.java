package dev.waygate.guard;

import java.util.Optional;

/**
 * Characters a person reading the text does not see but a model reads: Unicode tag characters
 * U+E0000–U+E007F (ASCII smuggled as invisible text), zero-width and invisible format characters
 * (U+200B, U+2060–U+2064, U+180E, U+FEFF after the start), and bidirectional overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069) that reorder what is shown. Not counted: the zero-width
 * joiner and non-joiner (emoji sequences, Persian and Indic scripts), and the tag sequence of a
 * subdivision flag (U+1F3F4 followed by tags).
 */
final class HiddenText {
    private HiddenText() {}

    static boolean hidden(int cp) {
        return (cp >= 0xE0000 && cp <= 0xE007F) || cp == 0x200B || (cp >= 0x2060 && cp <= 0x2064) || cp == 0x180E
                || cp == 0xFEFF || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    }

    /** A short reason naming the kinds found, or empty. Linear. */
    static Optional<String> check(String s) {
        if (Normaliser.ascii(s)) {
            return Optional.empty();
        }
        int tags = 0, invisible = 0, bidi = 0;
        boolean flag = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp >= 0xE0000 && cp <= 0xE007F) {
                if (!flag) {
                    tags++;
                }
            } else {
                flag = cp == 0x1F3F4;
                if (hidden(cp) && !(cp == 0xFEFF && i == 0)) {
                    if (cp >= 0x202A && cp <= 0x202E || cp >= 0x2066 && cp <= 0x2069) {
                        bidi++;
                    } else {
                        invisible++;
                    }
                }
            }
            i += Character.charCount(cp);
        }
        StringBuilder why = new StringBuilder();
        if (tags > 0) {
            why.append("hidden Unicode tag characters (").append(tags).append(")");
        }
        if (invisible > 0) {
            why.append(why.isEmpty() ? "" : ", ").append("zero-width or invisible characters (").append(invisible).append(")");
        }
        if (bidi > 0) {
            why.append(why.isEmpty() ? "" : ", ").append("bidirectional override characters (").append(bidi).append(")");
        }
        return why.isEmpty() ? Optional.empty() : Optional.of(why.toString());
    }

    /** {@code s} without the characters {@link #check} counts. */
    static String strip(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean flag = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean tag = cp >= 0xE0000 && cp <= 0xE007F;
            if (!tag) {
                flag = cp == 0x1F3F4;
            }
            boolean drop = tag ? !flag : hidden(cp) && !(cp == 0xFEFF && i == 0);
            if (!drop) {
                sb.appendCodePoint(cp);
            }
            i += Character.charCount(cp);
        }
        return sb.toString();
    }
}
