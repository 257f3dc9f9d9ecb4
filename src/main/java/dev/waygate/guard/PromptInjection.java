package dev.waygate.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Text in a tool result that speaks to the model instead of the user: "ignore previous
 * instructions" and its variants, fake role markers ({@code <|im_start|>system}, {@code [INST]}),
 * requests to hide things from the user. Reported by default; stripped (replaced with
 * {@code [REMOVED:prompt-injection]}) when configured. Hidden characters are {@link HiddenText}'s.
 *
 * <p>Bounded work on large results: every phrase starts with a trigger word; triggers are found
 * with {@code indexOf} (each trigger's search only moves forward), and the phrase is read by hand
 * from the trigger, at most {@link #MAX_WORDS} words. So a result full of "ignore" costs a few
 * words of reading per occurrence, never a scan of the rest of the text. (A regular expression
 * per occurrence, even RE2's, costs tens of microseconds each: too slow for a 1 MiB result.)
 */
final class PromptInjection {
    static final String MARKER = "[REMOVED:prompt-injection]";
    private static final List<String> TRIGGERS = List.of("ignore", "disregard", "forget", "override", "bypass", "you are now",
            "new ", "updated ", "revised ", "real ", "actual ", "<|", "[inst]", "<<sys>>", "reveal", "print", "output", "repeat",
            "show", "do not", "don't", "never", "without telling");
    private static final java.util.Set<String> VERBS = java.util.Set.of("ignore", "disregard", "forget", "override", "bypass");
    private static final java.util.Set<String> FILLERS = java.util.Set.of("all", "any", "of", "the", "your", "my", "these",
            "those", "every", "and", "other", "existing");
    private static final java.util.Set<String> QUALIFIERS = java.util.Set.of("previous", "prior", "above", "earlier",
            "preceding", "original", "initial", "system", "developer");
    private static final java.util.Set<String> NOUNS = java.util.Set.of("instruction", "instructions", "prompt", "prompts",
            "directions", "directives", "rules", "guidelines", "guardrails", "messages", "context");
    private static final java.util.Set<String> AFTER_EVERYTHING = java.util.Set.of("above", "before", "previously");
    private static final java.util.Set<String> NEW = java.util.Set.of("new", "updated", "revised", "real", "actual");
    private static final java.util.Set<String> SHOW = java.util.Set.of("reveal", "print", "output", "repeat", "show");
    private static final java.util.Set<String> TELL = java.util.Set.of("tell", "inform", "alert");
    private static final java.util.Set<String> NOW = java.util.Set.of("dan", "jailbroken", "unrestricted");
    private static final List<String> TOKENS = List.of("<|im_start|>", "<|im_end|>", "<|system|>", "<|endoftext|>", "[inst]",
            "<<sys>>");
    /** Words read after a trigger, at most: every phrase is short. */
    private static final int MAX_WORDS = 10;

    private PromptInjection() {}

    /** The [start, end) spans of instructions aimed at the model, in order, not overlapping. */
    static List<int[]> find(String text) {
        List<int[]> out = new ArrayList<>();
        String lower = asciiLower(text);
        int[] cache = new int[TRIGGERS.size()];
        java.util.Arrays.fill(cache, -2);
        int pos = nextTrigger(lower, 0, cache);
        while (pos >= 0) {
            int next = pos + 1;
            boolean wordStart = pos == 0 || !Character.isLetterOrDigit(lower.charAt(pos - 1)) || lower.charAt(pos) == '<'
                    || lower.charAt(pos) == '[';
            if (wordStart) {
                int end = phraseAt(lower, pos);
                if (end > pos) {
                    out.add(new int[] {pos, end});
                    next = end;
                }
            }
            pos = nextTrigger(lower, next, cache);
        }
        return out;
    }

    /** The end of an instruction phrase starting at {@code pos}, or -1. Reads at most {@link #MAX_WORDS} words. */
    static int phraseAt(String s, int pos) {
        for (String t : TOKENS) {
            if (s.startsWith(t, pos)) {
                return pos + t.length();
            }
        }
        List<int[]> w = words(s, pos);
        if (w.isEmpty()) {
            return -1;
        }
        String first = word(s, w, 0);
        if (VERBS.contains(first)) {
            String second = word(s, w, 1);
            if ((second.equals("everything") || second.equals("all")) && !first.equals("override") && !first.equals("bypass")) {
                if (AFTER_EVERYTHING.contains(word(s, w, 2))) {
                    return w.get(2)[1];
                }
                if (word(s, w, 2).equals("you") && word(s, w, 3).equals("were") && word(s, w, 4).equals("told")) {
                    return w.get(4)[1];
                }
            }
            boolean qualified = false;
            for (int i = 1; i < w.size(); i++) {
                String x = word(s, w, i);
                if (qualified && NOUNS.contains(x)) {
                    return w.get(i)[1];
                }
                if (QUALIFIERS.contains(x)) {
                    qualified = true;
                } else if (!FILLERS.contains(x)) {
                    return -1;
                }
            }
            return -1;
        }
        if (first.equals("you") && word(s, w, 1).equals("are") && word(s, w, 2).equals("now")) {
            int i = word(s, w, 3).equals("in") ? 4 : 3;
            String x = word(s, w, i);
            if (NOW.contains(x)) {
                return w.get(i)[1];
            }
            if (x.equals("developer") && word(s, w, i + 1).equals("mode")) {
                return w.get(i + 1)[1];
            }
            if ((x.equals("a") || x.equals("an")) && word(s, w, i + 1).equals("unfiltered")) {
                return w.get(i + 1)[1];
            }
            return -1;
        }
        if (NEW.contains(first)) {
            int i = word(s, w, 1).equals("system") ? 2 : 1;
            if (word(s, w, i).equals("instructions")) {
                int after = w.get(i)[1];
                while (after < s.length() && after - w.get(i)[1] < 4 && s.charAt(after) == ' ') {
                    after++;
                }
                return after < s.length() && s.charAt(after) == ':' ? after + 1 : -1;
            }
            return -1;
        }
        if (SHOW.contains(first) && (word(s, w, 1).equals("your") || word(s, w, 1).equals("the"))) {
            String a = word(s, w, 2);
            String b = word(s, w, 3);
            return (a.equals("system") && b.equals("prompt")) || (a.equals("hidden") && b.equals("instructions")) ? w.get(3)[1] : -1;
        }
        int i = first.equals("do") && word(s, w, 1).equals("not") ? 2 : first.equals("don't") || first.equals("never") ? 1 : -1;
        if (i > 0) {
            String verb = word(s, w, i);
            int j = TELL.contains(verb) ? i + 1
                    : verb.equals("mention") ? (word(s, w, i + 1).equals("this") ? i + 2 : i + 1) : -1;
            if (j > 0 && verb.equals("mention") && !word(s, w, j).equals("to")) {
                return -1;
            }
            j = j > 0 && verb.equals("mention") ? j + 1 : j;
            return j > 0 && word(s, w, j).equals("the") && word(s, w, j + 1).equals("user") ? w.get(j + 1)[1] : -1;
        }
        if (first.equals("without") && word(s, w, 1).equals("telling") && word(s, w, 2).equals("the") && word(s, w, 3).equals("user")) {
            return w.get(3)[1];
        }
        return -1;
    }

    /** Up to {@link #MAX_WORDS} words from {@code pos}, separated by whitespace only (punctuation ends the phrase). */
    private static List<int[]> words(String s, int pos) {
        List<int[]> out = new ArrayList<>();
        int i = pos;
        while (out.size() < MAX_WORDS && i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isLetter(s.charAt(i)) || s.charAt(i) == '\'')) {
                i++;
            }
            if (i == start) {
                break;
            }
            out.add(new int[] {start, i});
            int gap = i;
            while (i < s.length() && i - gap < 16 && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i == gap) {
                break;
            }
        }
        return out;
    }

    private static String word(String s, List<int[]> w, int i) {
        return i < w.size() ? s.substring(w.get(i)[0], w.get(i)[1]) : "";
    }

    /** Lower-cases ASCII letters only, so positions line up with the original. */
    private static String asciiLower(String s) {
        boolean upper = false;
        for (int i = 0; i < s.length() && !upper; i++) {
            upper = s.charAt(i) >= 'A' && s.charAt(i) <= 'Z';
        }
        if (!upper) {
            return s;
        }
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] >= 'A' && c[i] <= 'Z') {
                c[i] += 32;
            }
        }
        return new String(c);
    }

    /** The next trigger at or after {@code from}; each trigger's search only moves forward (linear overall). */
    private static int nextTrigger(String lower, int from, int[] cache) {
        int best = -1;
        for (int k = 0; k < cache.length; k++) {
            if (cache[k] == -2 || (cache[k] >= 0 && cache[k] < from)) {
                cache[k] = lower.indexOf(TRIGGERS.get(k), from);
            }
            int i = cache[k];
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    static String strip(String text, List<int[]> spans) {
        StringBuilder sb = new StringBuilder(text.length());
        int at = 0;
        for (int[] s : spans) {
            if (s[0] < at) {
                continue;
            }
            sb.append(text, at, s[0]).append(MARKER);
            at = s[1];
        }
        return sb.append(text, at, text.length()).toString();
    }
}
