package dev.waygate.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.McpException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Cursor pagination of the aggregated lists. */
class PagesTest {

    @ParameterizedTest(name = "{0} items, {1} per page")
    @CsvSource({"0,1", "0,100", "1,1", "1,100", "5,1", "5,2", "5,5", "5,6", "10,3", "100,10", "101,10", "250,100"})
    void walkingAllPagesYieldsEveryItemOnceInOrder(int items, int pageSize) {
        List<Entry> list = entries(IntStream.range(0, items).mapToObj(i -> "tool%03d".formatted(i)).toList());

        List<JsonNode> pages = walk(list, pageSize);

        assertThat(keys(pages)).containsExactlyElementsOf(list.stream().map(Entry::key).toList());
        assertThat(pages).hasSize(Math.max(1, (items + pageSize - 1) / pageSize));
        pages.forEach(p -> assertThat(p.path("tools").size()).isLessThanOrEqualTo(pageSize));
        assertThat(pages.getLast().has("nextCursor")).as("the last page has no nextCursor").isFalse();
        pages.subList(0, pages.size() - 1).forEach(p -> assertThat(p.path("nextCursor").isTextual()).isTrue());
    }

    @Test
    void theItemsAreTheEntriesItemsUnderTheListsField() {
        List<Entry> list = entries(List.of("a", "b"));

        ObjectNode page = Pages.page(list, "prompts", Json.object(), 10);

        assertThat(page.path("prompts").get(0)).isSameAs(list.get(0).item());
        assertThat(page.has("tools")).isFalse();
    }

    @Test
    void aNullCursorIsTheFirstPage() {
        ObjectNode params = Json.object();
        params.putNull("cursor");

        assertThat(keys(List.of(Pages.page(entries(List.of("a", "b", "c")), "tools", params, 2)))).containsExactly("a", "b");
    }

    @Test
    void theCursorNamesTheLastKeyOfThePageAndTheList() {
        ObjectNode first = Pages.page(entries(List.of("alpha", "beta", "gamma")), "tools", Json.object(), 2);

        String cursor = first.path("nextCursor").asText();

        assertThat(cursor).isEqualTo(Pages.encode("tools", "beta"));
        assertThat(cursor).as("opaque: no key in clear text").doesNotContain("beta").doesNotContain("tools");
        assertThat(cursor).matches("[A-Za-z0-9_-]+");
        assertThat(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8)).isEqualTo("tools\nbeta");
    }

    @Test
    void keysWithNewlinesAndUnicodeSurviveTheCursor() {
        List<Entry> list = entries(List.of("a\nb", "c", "é", "🙂"));

        assertThat(keys(walk(list, 1))).containsExactly("a\nb", "c", "é", "🙂");
    }

    static Stream<Arguments> badCursors() {
        return Stream.of(
                argumentSet("garbage", Json.MAPPER.getNodeFactory().textNode("garbage!!")),
                argumentSet("empty string", Json.MAPPER.getNodeFactory().textNode("")),
                argumentSet("percent signs", Json.MAPPER.getNodeFactory().textNode("%%%")),
                argumentSet("standard base64 alphabet", Json.MAPPER.getNodeFactory().textNode("dG9vbHMKYQ+/")),
                argumentSet("unicode", Json.MAPPER.getNodeFactory().textNode("☃")),
                argumentSet("list name without separator", Json.MAPPER.getNodeFactory().textNode(b64("tools"))),
                argumentSet("another list's cursor", Json.MAPPER.getNodeFactory().textNode(Pages.encode("prompts", "a"))),
                argumentSet("a list name that only starts the same", Json.MAPPER.getNodeFactory().textNode(b64("toolsX\na"))),
                argumentSet("a prefix of the list name", Json.MAPPER.getNodeFactory().textNode(b64("tool\na"))),
                argumentSet("very long garbage", Json.MAPPER.getNodeFactory().textNode("!".repeat(100_000))),
                argumentSet("number", Json.MAPPER.getNodeFactory().numberNode(2)),
                argumentSet("boolean", Json.MAPPER.getNodeFactory().booleanNode(true)),
                argumentSet("object", Json.object().put("after", "a")),
                argumentSet("array", Json.MAPPER.createArrayNode().add(Pages.encode("tools", "a"))));
    }

    @ParameterizedTest
    @MethodSource("badCursors")
    void anInvalidCursorIsInvalidParams(JsonNode cursor) {
        ObjectNode params = Json.object();
        params.set("cursor", cursor);

        McpException e = catchThrowableOfType(McpException.class,
                () -> Pages.page(entries(List.of("a", "b", "c")), "tools", params, 2));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCodes.INVALID_PARAMS).isEqualTo(-32602);
    }

    @Test
    void aCursorAfterTheLastItemGivesAnEmptyLastPage() {
        ObjectNode page = Pages.page(entries(List.of("a", "b")), "tools", cursor("tools", "zzz"), 2);

        assertThat(page.path("tools").size()).isZero();
        assertThat(page.has("nextCursor")).isFalse();
    }

    @Test
    void aCursorNamingAKeyNotInTheListStartsAfterWhereItWouldBe() {
        ObjectNode page = Pages.page(entries(List.of("a", "c", "e")), "tools", cursor("tools", "b"), 10);

        assertThat(keys(List.of(page))).containsExactly("c", "e");
    }

    @Test
    void itemsInsertedBetweenPagesAfterTheCursorAreSeenAndNothingIsRepeated() {
        List<Entry> before = entries(List.of("a", "c", "e", "g"));
        ObjectNode first = Pages.page(before, "tools", Json.object(), 2);
        List<Entry> after = entries(List.of("a", "b", "c", "d", "e", "g"));

        List<String> rest = keys(walkFrom(after, 2, first.path("nextCursor").asText()));

        assertThat(keys(List.of(first))).containsExactly("a", "c");
        assertThat(rest).containsExactly("d", "e", "g");
    }

    @Test
    void removingTheCursorsOwnKeyBetweenPagesSkipsNothing() {
        List<Entry> before = entries(List.of("a", "c", "e", "g"));
        ObjectNode first = Pages.page(before, "tools", Json.object(), 2);
        List<Entry> after = entries(List.of("a", "e", "g"));

        assertThat(keys(walkFrom(after, 2, first.path("nextCursor").asText()))).containsExactly("e", "g");
    }

    @Test
    void removingItemsBeforeTheCursorDoesNotShiftThePage() {
        List<Entry> before = entries(List.of("a", "b", "c", "d", "e", "f"));
        ObjectNode first = Pages.page(before, "tools", Json.object(), 3);
        List<Entry> after = entries(List.of("c", "d", "e", "f"));

        assertThat(keys(walkFrom(after, 3, first.path("nextCursor").asText()))).containsExactly("d", "e", "f");
    }

    @Test
    void removingEverythingAfterTheCursorGivesAnEmptyLastPage() {
        ObjectNode first = Pages.page(entries(List.of("a", "b", "c")), "tools", Json.object(), 2);

        ObjectNode second = Pages.page(entries(List.of("a", "b")), "tools", cursor(first.path("nextCursor").asText()), 2);

        assertThat(second.path("tools").size()).isZero();
        assertThat(second.has("nextCursor")).isFalse();
    }

    /** The catalog sorts with String order; the cursor search must use the same order. */
    @Test
    void followsStringOrderForMixedCaseAndPunctuation() {
        List<String> sorted = new ArrayList<>(List.of("Zeta", "alpha", "_x", "-y", ".z", "0", "A", "a__b", "a_b", "ab"));
        sorted.sort(String::compareTo);

        assertThat(keys(walk(entries(sorted), 1))).containsExactlyElementsOf(sorted);
        assertThat(keys(walk(entries(sorted), 3))).containsExactlyElementsOf(sorted);
    }

    private static List<JsonNode> walk(List<Entry> list, int pageSize) {
        List<JsonNode> pages = new ArrayList<>();
        ObjectNode page = Pages.page(list, "tools", Json.object(), pageSize);
        pages.add(page);
        while (page.has("nextCursor")) {
            assertThat(pages.size()).as("pagination does not end").isLessThanOrEqualTo(list.size() + 1);
            page = Pages.page(list, "tools", cursor(page.path("nextCursor").asText()), pageSize);
            pages.add(page);
        }
        return pages;
    }

    private static List<JsonNode> walkFrom(List<Entry> list, int pageSize, String cursor) {
        List<JsonNode> pages = new ArrayList<>();
        String next = cursor;
        while (next != null) {
            ObjectNode page = Pages.page(list, "tools", cursor(next), pageSize);
            pages.add(page);
            next = page.has("nextCursor") ? page.path("nextCursor").asText() : null;
        }
        return pages;
    }

    private static List<String> keys(List<JsonNode> pages) {
        List<String> out = new ArrayList<>();
        pages.forEach(p -> p.path("tools").forEach(t -> out.add(t.path("name").asText())));
        return out;
    }

    private static ObjectNode cursor(String field, String lastKey) {
        return cursor(Pages.encode(field, lastKey));
    }

    private static ObjectNode cursor(String c) {
        return Json.object().put("cursor", c);
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Entries in the given order (callers pass sorted keys), each item {"name": key}. */
    static List<Entry> entries(List<String> keys) {
        return keys.stream().map(k -> new Entry(k, "srv", k, Json.object().put("name", k))).toList();
    }
}
