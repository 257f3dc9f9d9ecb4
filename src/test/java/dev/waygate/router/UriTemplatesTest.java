package dev.waygate.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6570 templates as routes for resources/read: what a concrete URI matches. */
class UriTemplatesTest {

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # simple expansion {var}: one path segment, no / ? #
            file:///{name}                  | file:///notes.txt               | true
            file:///{name}                  | file:///                        | true
            file:///{name}                  | file:///a/b                     | false
            file:///{name}                  | file:///a?x=1                   | false
            file:///{name}                  | file:///a#frag                  | false
            file:///{name}                  | xfile:///a                      | false
            file:///{name}                  | file:///a.txt/../../etc/passwd  | false
            users://{id}/profile            | users://42/profile              | true
            users://{id}/profile            | users://42/profile/extra        | false
            users://{id}/profile            | users://4/2/profile             | false
            repo://{owner}/{repo}           | repo://octo/hello               | true
            repo://{owner}/{repo}           | repo://octo                     | false
            # reserved expansion {+var} and fragment {#var}: anything
            file:///{+path}                 | file:///a/b/c.txt               | true
            file:///{+path}                 | file:///                        | true
            file:///{+path}                 | file:///a?b#c                   | true
            file:///{+path}                 | http://evil/a                   | false
            doc://x{#section}               | doc://x#intro                   | true
            # form-style query {?x,y} and continuation {&z}
            db://{table}{?limit,offset}     | db://users                      | true
            db://{table}{?limit,offset}     | db://users?limit=1              | true
            db://{table}{?limit,offset}     | db://users?limit=1&offset=20    | true
            db://{table}{?limit,offset}     | db://users/x                    | false
            db://{table}{?limit,offset}     | db://users#x                    | false
            db://t?a=1{&b}                  | db://t?a=1&b=2                  | true
            # label {.ext}, path-style {;x} and path segment {/seg} expansion
            file:///report{.ext}            | file:///report.pdf              | true
            file:///m{;v}                   | file:///m;v=1                   | true
            file://{/segment}               | file:///one                     | true
            # template without expressions
            config://app                    | config://app                    | true
            config://app                    | config://app2                   | false
            # regex metacharacters in the literal parts are literal
            res://a.b/{x}                   | res://a.b/1                     | true
            res://a.b/{x}                   | res://aXb/1                     | false
            c++://{x}                       | c++://y                         | true
            c++://{x}                       | ccc://y                         | false
            c++://{x}                       | c://y                           | false
            q?://{x}                        | q?://1                          | true
            q?://{x}                        | q://1                           | false
            f(://{x})                       | f(://1)                         | true
            f(://{x})                       | f://1                           | false
            arr[0-9]://{i}                  | arr[0-9]://1                    | true
            arr[0-9]://{i}                  | arr5://1                        | false
            a*b$^://{x}                     | a*b$^://1                       | true
            a*b$^://{x}                     | aab://1                         | false
            x\\E.*://{v}                    | x\\E.*://1                      | true
            x\\E.*://{v}                    | x\\Eanything://1                | false
            "a\\Q.://{v}"                   | "a\\Q.://1"                     | true
            "a\\Q.://{v}"                   | "a\\Qz://1"                     | false
            # a brace that opens no expression is literal
            odd://{x                        | odd://{x                        | true
            odd://x}                        | odd://x}                        | true
            """)
    void matches(String template, String uri, boolean expected) {
        assertThat(matches(template, uri)).isEqualTo(expected);
    }

    /**
     * Templates come from upstream servers, URIs from clients. A hostile upstream's template must
     * not let a client's resources/read (or any unlisted URI) burn a CPU for seconds: java.util.regex
     * backtracks polynomially in the URI length for adjacent unbounded expressions. Measured on this
     * pattern: 6 expressions, 80 characters, about 4 s; 8 expressions, 60 characters, about 84 s.
     */
    @Test
    void aHostileTemplateCannotMakeMatchingSlow() {
        String template = "x:{a}{b}{c}{d}{e}{f}!";
        String uri = "x:" + "a".repeat(80);

        boolean matched = assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> matches(template, uri));

        assertThat(matched).isFalse();
    }

    @Test
    void aHostileTemplateWithReservedExpansionsCannotMakeMatchingSlow() {
        String template = "{+a}{+b}{+c}{+d}{+e}{+f}!";
        String uri = "file:///" + "a".repeat(80);

        boolean matched = assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> matches(template, uri));

        assertThat(matched).isFalse();
    }

    /** The one place that knows how a compiled template is applied. */
    private static boolean matches(String template, String uri) {
        return UriTemplates.compile(template).orElseThrow().matcher(uri).matches();
    }
}
