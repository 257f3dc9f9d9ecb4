package dev.waygate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The literal-prefix shortcut before a pattern condition's regex must never change its answer. */
class LiteralPrefixTest {
    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '"', textBlock = """
            "DROP-9 .*"    ; "DROP-9 "
            abc            ; abc
            ab?c           ; a
            ab*            ; a
            ab+            ; a
            a{0}b          ; ""
            (?i)drop.*     ; ""
            ab(?i)cd       ; ab
            ab|cd          ; ""
            \\\\d+         ; ""
            [a-z]+         ; ""
            a.b            ; a
            ^abc           ; ""
            """)
    void prefixIsWhatEveryMatchStartsWith(String regex, String prefix) {
        assertThat(ArgumentCondition.literalPrefix(regex)).isEqualTo(prefix);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', textBlock = """
            DROP-9 .*  ; DROP-9 table
            DROP-9 .*  ; drop-9 table
            DROP-9 .*  ; Fix the flaky test
            ab?c       ; ac
            ab?c       ; abc
            a{0}b      ; b
            (?i)drop.* ; DROP it
            ab(?i)CD   ; abcd
            ab|cd      ; cd
            """)
    void theShortcutAgreesWithTheRegex(String regex, String value) {
        ArgumentCondition c = new ArgumentCondition("x", List.of(), Optional.of(Pattern.compile(regex)));
        boolean expected = Pattern.compile(regex).matches(value);
        assertThat(c.holds(dev.waygate.mcp.Json.object().put("x", value))).isEqualTo(expected);
    }
}
