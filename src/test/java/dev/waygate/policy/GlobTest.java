package dev.waygate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@link Glob}: {@code *} and {@code ?}, everything else literal, impossible globs refused, linear-time matching. */
class GlobTest {
    static final Pattern TOOL_CHARS = Pattern.compile("[A-Za-z0-9_.\\-]");
    static final Pattern VISIBLE = Pattern.compile("\\S");

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            *                   | anything                | true
            *                   | ''                      | true
            github__*           | github__create_issue    | true
            github__*           | github__                | true
            github__*           | gitlab__create_issue    | false
            github__*           | xgithub__create_issue   | false
            *__echo             | everything__echo        | true
            *__echo             | everything__echo2       | false
            *_*_*               | a_b_c                   | true
            *_*_*               | a_b                     | false
            get-?               | get-1                   | true
            get-?               | get-                    | false
            get-?               | get-12                  | false
            ??                  | ab                      | true
            ??                  | abc                     | false
            a?c*                | abcdef                  | true
            read.file           | read.file               | true
            read.file           | readXfile               | false
            read.*              | readXfile               | false
            get-sum             | get-sum                 | true
            get-sum             | get_sum                 | false
            get-sum             | getsum                  | false
            a-z                 | b                       | false
            Echo                | echo                    | false
            echo                | echo                    | true
            echo                | echoo                   | false
            """)
    void toolGlobs(String glob, String name, boolean matches) {
        assertThat(Glob.of(glob, TOOL_CHARS).matches(name == null ? "" : name)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            test://static/resource/*     | test://static/resource/1          | true
            test://static/resource/*     | test://static/resource/1/deeper   | true
            test://static/resource/?     | test://static/resource/12         | false
            file:///srv/(data)/*         | file:///srv/(data)/x              | true
            file:///srv/[ab]/*           | file:///srv/a/x                   | false
            file:///srv/[ab]/*           | file:///srv/[ab]/x                | true
            https://x.example/a+b        | https://x.example/aab             | false
            https://x.example/a+b        | https://x.example/a+b             | true
            \\Qfoo\\E*                   | \\Qfoo\\Ebar                      | true
            \\Qfoo\\E*                   | foobar                            | false
            ^a$                          | a                                 | false
            ^a$                          | ^a$                               | true
            """)
    void regexMetacharactersAreLiteral(String glob, String name, boolean matches) {
        assertThat(Glob.of(glob, VISIBLE).matches(name)).isEqualTo(matches);
    }

    @Test
    void starMatchesAcrossLineBreaksInResourceUris() {
        assertThat(Glob.of("test://*", VISIBLE).matches("test://a\nb")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"github create", "github__créer", "tool/name", "a:b", "tools!", "\u0000x", "名前*", "a\tb"})
    void aToolGlobWithACharacterNoToolNameCanHoldIsRefusedSayingWhy(String glob) {
        assertThatThrownBy(() -> Glob.of(glob, TOOL_CHARS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("can never appear in a name")
                .hasMessageContaining("matches nothing");
    }

    @Test
    void theRefusalNamesTheCharacter() {
        assertThatThrownBy(() -> Glob.of("github create", TOOL_CHARS)).hasMessage(
                "' ' can never appear in a name, so 'github create' matches nothing");
        assertThatThrownBy(() -> Glob.of("file:///a b", VISIBLE)).hasMessageContaining("' ' can never appear");
    }

    @Test
    void anEmptyGlobIsRefused() {
        assertThatThrownBy(() -> Glob.of("", TOOL_CHARS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty pattern matches nothing");
    }

    @Test
    void wildcardsAreAcceptedWhateverTheCharacterSet() {
        assertThat(Glob.of("*?*", TOOL_CHARS).matches("x")).isTrue();
        assertThat(Glob.of("*?*", TOOL_CHARS).matches("")).isFalse();
    }

    @Test
    void manyStarsOnALongNonMatchingNameTakeLinearTime() {
        Glob g = Glob.of("*a*a*a*a*a*a*a*b", TOOL_CHARS);
        String name = "a".repeat(200_000);
        long start = System.nanoTime();

        for (int i = 0; i < 5; i++) {
            assertThat(g.matches(name)).isFalse();
        }
        assertThat(g.matches(name + "b")).isTrue();
        // A backtracking engine needs on the order of n^7 steps here; RE2 a few passes over the input.
        assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(5_000);
    }

    @Test
    void toStringIsTheGlobAsWritten() {
        assertThat(Glob.of("github__*", TOOL_CHARS)).hasToString("github__*");
    }
}
