package dev.waygate.policy;

/**
 * A name pattern in policy rules: {@code *} any run of characters, {@code ?} one character,
 * everything else literal. A glob that uses characters no MCP name can contain could never match:
 * it is refused when the configuration is read.
 *
 * <p>Matching needs no regular expression: the glob is split at {@code *} into segments; the first
 * must match at the start, the last at the end, and the ones between are found left to right
 * (leftmost match is always safe, since later segments only need to come after it). That is
 * O(name length × segment length) at worst, with no backtracking a hostile name could exploit,
 * and a few nanoseconds for the usual {@code server__*}. Policies with a thousand rules call it
 * thousands of times per decision.
 */
public final class Glob {
    private final String text;
    /** The glob split at every {@code *}; a leading or trailing {@code *} gives an empty first or last segment. */
    private final String[] segments;

    private Glob(String text) {
        this.text = text;
        this.segments = text.split("\\*", -1);
    }

    /**
     * @param allowed the characters a matching name may contain (the glob may add * and ?)
     * @throws IllegalArgumentException naming why the glob can never match
     */
    public static Glob of(String text, java.util.regex.Pattern allowed) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("an empty pattern matches nothing");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '*' && c != '?' && !allowed.matcher(String.valueOf(c)).matches()) {
                throw new IllegalArgumentException("'" + c + "' can never appear in a name, so '" + text + "' matches nothing");
            }
        }
        return new Glob(text);
    }

    public boolean matches(String name) {
        if (segments.length == 1) {
            return name.length() == text.length() && at(name, 0, text);
        }
        String first = segments[0];
        String last = segments[segments.length - 1];
        int end = name.length() - last.length();
        if (end < first.length() || !at(name, 0, first) || !at(name, end, last)) {
            return false;
        }
        int pos = first.length();
        for (int i = 1; i < segments.length - 1; i++) {
            String seg = segments[i];
            int found = find(name, seg, pos, end);
            if (found < 0) {
                return false;
            }
            pos = found + seg.length();
        }
        return true;
    }

    /** Whether {@code seg} (where {@code ?} matches any one character) matches {@code name} at {@code from}. */
    private static boolean at(String name, int from, String seg) {
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            if (c != '?' && c != name.charAt(from + i)) {
                return false;
            }
        }
        return true;
    }

    /** The leftmost position in [from, end - seg.length()] where {@code seg} matches, or -1. */
    private static int find(String name, String seg, int from, int end) {
        if (seg.indexOf('?') < 0) {
            int i = name.indexOf(seg, from);
            return i >= 0 && i + seg.length() <= end ? i : -1;
        }
        for (int i = from; i + seg.length() <= end; i++) {
            if (at(name, i, seg)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return text;
    }
}
