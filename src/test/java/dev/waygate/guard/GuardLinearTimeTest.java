package dev.waygate.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No input shape makes a detector super-linear: for each adversarial shape (a fragment repeated,
 * the worst case for a scanner that re-reads from each occurrence), the time on 16n characters is
 * compared with the time on n. Linear work gives about 16; quadratic about 256. The bound, 100, leaves
 * room for a loaded machine and the garbage collector; each time is the best of several runs, after warm-up.
 */
class GuardLinearTimeTest {
    static final int N = 1 << 14;

    static Stream<Arguments> shapes() {
        return Stream.of("eyJ", "eyJabcd.", "%25", "%2", "AKIA", "AKIAA", "ghp_", "wg_abcdefg_", "password=", "passwordpassword",
                "aws_secret_access_key", "bearer ", "-----BEGIN PRIVATE KEY-----", "://", "a://", "@", "a@b", "?token=", "&",
                "ignore ", "ignore all previous ", "<|", "<a on", "<a ", "' or ", "/*", "&#", "&#1", "1 ", "+1 ", "AB12",
                "\u200b", "\uDB40\uDC41", "..", "../", "a", "1").map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyDetectorIsLinear(String fragment) {
        GuardSettings s = new GuardSettings(Map.of(), List.of(), java.util.Set.of(), java.util.Set.of(),
                java.util.Set.of(), List.of(), java.util.Set.of(), java.util.Set.of(),
                GuardSettings.DEFAULT_SCHEMES, List.of(), GuardSettings.Limits.DEFAULTS, Map.of());
        Map<Check, Mode> all = new java.util.EnumMap<>(s.modes());
        all.put(Check.PII, Mode.ENFORCE);
        all.put(Check.PROMPT_INJECTION, Mode.ENFORCE);
        ResultGuard results = new ResultGuard();
        Consumer<String> work = text -> {
            String n = Normaliser.normalise(text);
            CommandInjection.check(n);
            new PathTraversal(List.of()).check(n);
            SqlInjection.check(n);
            ScriptInjection.check(n);
            results.inspect(GuardFixture.textResult(text), all);
        };
        String small = fragment.repeat(N / fragment.length());
        String large = fragment.repeat(16 * N / fragment.length());
        for (int i = 0; i < 3; i++) {
            work.accept(small); // warm-up
        }
        long tSmall = best(work, small);
        long tLarge = best(work, large);
        assertThat((double) tLarge / Math.max(tSmall, 1))
                .as("'%s': %d ns for %d chars, %d ns for %d chars", fragment, tSmall, small.length(), tLarge, large.length())
                .isLessThan(100.0);
    }

    private static long best(Consumer<String> work, String input) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 7; i++) {
            long t0 = System.nanoTime();
            work.accept(input);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }
}
