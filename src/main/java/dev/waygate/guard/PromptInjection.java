package dev.waygate.guard;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Text in a tool result that speaks to the model instead of the user: "ignore previous
 * instructions" and its variants, fake role markers ({@code <|im_start|>system}, {@code [INST]}),
 * requests to hide things from the user. Reported by default; stripped (replaced with
 * {@code [REMOVED:prompt-injection]}) when configured. Hidden characters are {@link HiddenText}'s.
 *
 * <p>Bounded work on large results: the pattern runs only on windows after a trigger word found by
 * {@code indexOf}, each window at most {@link #WINDOW} characters, windows advancing by at least
 * half their size.
 */
final class PromptInjection {
    static final int WINDOW = 400;
    static final String MARKER = "[REMOVED:prompt-injection]";
    private static final List<String> TRIGGERS = List.of("ignore", "disregard", "forget", "override", "you are now",
            "instructions", "<|", "[inst]", "<<sys>>", "system prompt", "do not tell", "don't tell", "without telling");
    private static final String FILLER = "(?:(?:all|any|of|the|your|my|these|those|every|previous|prior|above|earlier|"
            + "preceding|original|initial|system|developer|and|other|existing)\\s+)*";
    private static final Pattern PATTERN = Pattern.compile("(?:"
            + "\\b(?:ignore|disregard|forget|override|bypass)\\s+(?:all\\s+|any\\s+|the\\s+|your\\s+|my\\s+|these\\s+|those\\s+)*"
            + "(?:previous|prior|above|earlier|preceding|original|initial|system|developer)\\s+" + FILLER
            + "(?:instructions?|prompts?|directions|directives|rules|guidelines|guardrails|messages|context)\\b"
            + "|\\b(?:ignore|disregard|forget)\\s+(?:everything|all)\\s+(?:you\\s+were\\s+told|above|before|previously)"
            + "|\\byou\\s+are\\s+now\\s+(?:in\\s+)?(?:dan\\b|developer\\s+mode|jailbroken|unrestricted|an?\\s+unfiltered)"
            + "|\\b(?:new|updated|revised|real|actual)\\s+(?:system\\s+)?instructions\\s*:"
            + "|<\\|(?:im_start|im_end|system|endoftext)\\|>|\\[inst\\]|<<sys>>"
            + "|\\b(?:reveal|print|output|repeat|show)\\s+(?:your|the)\\s+(?:system\\s+prompt|hidden\\s+instructions)"
            + "|\\b(?:do\\s+not|don't|never)\\s+(?:tell|inform|mention\\s+(?:this\\s+)?to|alert)\\s+the\\s+user"
            + "|\\bwithout\\s+telling\\s+the\\s+user"
            + ")");

    private PromptInjection() {}

    /** The [start, end) spans of instructions aimed at the model, in order, not overlapping. */
    static List<int[]> find(String text) {
        List<int[]> out = new ArrayList<>();
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.length() != text.length()) {
            lower = asciiLower(text);
        }
        int[] cache = new int[TRIGGERS.size()];
        java.util.Arrays.fill(cache, -2);
        int pos = nextTrigger(lower, 0, cache);
        int covered = 0;
        while (pos >= 0) {
            int from = Math.max(pos, covered);
            int to = Math.min(lower.length(), pos + WINDOW);
            Matcher m = PATTERN.matcher(lower.substring(from, to));
            int next = pos + WINDOW / 2;
            while (m.find()) {
                out.add(new int[] {from + m.start(), from + m.end()});
                next = Math.max(next, from + m.end());
            }
            covered = next;
            pos = nextTrigger(lower, next, cache);
        }
        return out;
    }

    /** Lower-cases ASCII letters only, so positions line up with the original. */
    private static String asciiLower(String s) {
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
        return best < 0 ? -1 : Math.max(from, best - 32);
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
