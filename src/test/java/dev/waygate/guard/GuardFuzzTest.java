package dev.waygate.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.mcp.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * Property tests of the normaliser and every detector: arbitrary Unicode and strings stitched
 * from attack fragments never make them throw, and the normaliser's output stays within a fixed
 * factor of its input. (Time per input size is {@link GuardLinearTimeTest}'s.)
 */
class GuardFuzzTest {
    static final List<String> FRAGMENTS = List.of("%", "%2", "%25", "%2e", "%c0", "%ae", "%e0%80", "%ff", "..", "/", "\\", "\0",
            "eyJ", ".", "AKIA", "ghp_", "wg_", "_", "-----BEGIN ", "PRIVATE KEY-----", "-----END", "://", "@", ":", "?", "&",
            "token=", "password=", "bearer ", "Basic ", "' or ", "1=1", "--", "/*", "*/", "union select", ";", "<", "a on", "=",
            "&#", "x0", "javascript:", "ignore previous instructions", "\u200b", "\u202e", "\uDB40\uDC41", "\uD83C\uDFF4",
            "\uD800", "\uDC00", "ﬁ", "１", "\uFDFA", "+1 ", "4111", " ", "\n", "(", ")", "$(", "`", "file:", "[", "]", "0x7f");

    @Provide
    Arbitrary<String> hostileStrings() {
        return Arbitraries.of(FRAGMENTS).list().ofMaxSize(60).map(l -> String.join("", l));
    }

    @Property(tries = 500)
    void normaliserNeverThrowsAndStaysBounded(@ForAll("hostileStrings") String s) {
        String n = Normaliser.normalise(s);
        assertThat(n.length()).isLessThanOrEqualTo(18 * s.length() + 1);
        Normaliser.pathForm(n);
    }

    @Property(tries = 300)
    void normaliserOnArbitraryUnicode(@ForAll @StringLength(max = 200) String s) {
        assertThat(Normaliser.normalise(s).length()).isLessThanOrEqualTo(18 * s.length() + 1);
    }

    @Property(tries = 500)
    void detectorsNeverThrow(@ForAll("hostileStrings") String s) {
        String n = Normaliser.normalise(s);
        CommandInjection.check(n);
        new PathTraversal(List.of(Path.of("/tmp/waygate-fuzz-root"))).check(n);
        new PathTraversal(List.of()).check(n);
        new Ssrf(new dev.waygate.net.SsrfCheck(GuardFixture.RESOLVER), GuardSettings.DEFAULT_SCHEMES, List.of()).check(s, n);
        SqlInjection.check(n);
        ScriptInjection.check(n);
        List<SecretMatch> secrets = Secrets.scan(s);
        for (SecretMatch m : secrets) {
            assertThat(m.start()).isBetween(0, s.length());
            assertThat(m.end()).isBetween(m.start(), s.length());
        }
        assertThat(Secrets.redact(s, secrets)).isNotNull();
        List<Pii.Match> pii = Pii.scan(s);
        assertThat(Pii.redact(s, pii)).isNotNull();
        List<int[]> spans = PromptInjection.find(s);
        assertThat(PromptInjection.strip(s, spans)).isNotNull();
        HiddenText.check(s);
        assertThat(HiddenText.strip(s).length()).isLessThanOrEqualTo(s.length());
    }

    @Property(tries = 200)
    void guardsNeverThrowOnArbitraryArgumentsAndResults(@ForAll("hostileStrings") String key, @ForAll("hostileStrings") String value) {
        var args = Json.object();
        args.put("path", value).put("url", value).put("command", value).put("name", value).put("html", value).put(key, value);
        GuardSettings s = new GuardSettings(Map.of(), List.of(Path.of("/tmp/waygate-fuzz-root")), java.util.Set.of(),
                java.util.Set.of(), java.util.Set.of("command"), List.of(), java.util.Set.of("name"), java.util.Set.of("html"),
                GuardSettings.DEFAULT_SCHEMES, List.of(), GuardSettings.Limits.DEFAULTS, Map.of());
        new ArgumentGuard(GuardFixture.RESOLVER).inspect("t__x", args, com.fasterxml.jackson.databind.node.MissingNode.getInstance(),
                s, s.modes());
        Map<Check, Mode> all = new java.util.EnumMap<>(s.modes());
        all.put(Check.PII, Mode.ENFORCE);
        all.put(Check.PROMPT_INJECTION, Mode.ENFORCE);
        new ResultGuard().inspect(GuardFixture.textResult(key + value), all);
    }
}
