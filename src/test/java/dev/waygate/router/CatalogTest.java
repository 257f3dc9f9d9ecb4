package dev.waygate.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.ServerConfig;
import dev.waygate.mcp.Json;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Aggregation, namespacing, conflicts and resource routing of the catalog. */
class CatalogTest {

    @Test
    void toolsAreNamespacedWithTheServerNameAndTheDefaultSeparator() {
        Catalog c = new Catalog(config("__", server("github", "github")));
        ObjectNode tool = tool("create_issue").put("description", "Opens an issue");
        tool.putObject("inputSchema").put("type", "object");

        c.update("github", tools(tool));

        Entry e = c.view().toolsByName().get("github__create_issue");
        assertThat(e).isNotNull();
        assertThat(e.server()).isEqualTo("github");
        assertThat(e.upstreamName()).isEqualTo("create_issue");
        assertThat(e.item().path("name").asText()).isEqualTo("github__create_issue");
        assertThat(e.item().path("description").asText()).isEqualTo("Opens an issue");
        assertThat(e.item().path("inputSchema")).isEqualTo(tool.path("inputSchema"));
        assertThat(tool.path("name").asText()).as("the upstream's item is not changed").isEqualTo("create_issue");
        assertThat(c.view().problems()).isEmpty();
    }

    @ParameterizedTest(name = "separator {0}, prefix {1}")
    @CsvSource({"__, gh, gh__create_issue", "., gh, gh.create_issue", "-, gh, gh-create_issue", "_, gh, gh_create_issue",
            "--.-, gh, gh--.-create_issue", "__, my.srv-1, my.srv-1__create_issue"})
    void customSeparatorsAndPrefixes(String separator, String prefix, String exposed) {
        Catalog c = new Catalog(config(separator, server("github", prefix)));

        c.update("github", tools(tool("create_issue")));

        assertThat(names(c.view().tools())).containsExactly(exposed);
        assertThat(c.view().toolsByName().get(exposed).upstreamName()).isEqualTo("create_issue");
    }

    @Test
    void promptsAreNamespacedLikeTools() {
        Catalog c = new Catalog(config("__", server("everything", "everything")));

        c.update("everything", new ServerLists(List.of(), List.of(tool("simple_prompt")), List.of(), List.of()));

        assertThat(c.view().promptsByName()).containsOnlyKeys("everything__simple_prompt");
        assertThat(c.view().promptsByName().get("everything__simple_prompt").upstreamName()).isEqualTo("simple_prompt");
    }

    @Test
    void unprefixedServersOfferingTheSameToolOfferNeitherAndSaySo() {
        Catalog c = new Catalog(config("__", server("alpha", ""), server("beta", "")));

        c.update("alpha", tools(tool("search"), tool("only_alpha")));
        c.update("beta", tools(tool("search"), tool("only_beta")));

        assertThat(names(c.view().tools())).containsExactly("only_alpha", "only_beta");
        assertThat(c.view().toolsByName()).doesNotContainKey("search");
        assertThat(c.view().problems()).singleElement().asString().contains("'search'", "(alpha, beta)");
    }

    @Test
    void anUnprefixedToolThatLooksNamespacedCollidesWithThePrefixedOne() {
        Catalog c = new Catalog(config("__", server("github", "github"), server("raw", "")));

        c.update("github", tools(tool("delete_repo")));
        c.update("raw", tools(tool("github__delete_repo")));

        assertThat(c.view().tools()).isEmpty();
        assertThat(c.view().problems()).singleElement().asString().contains("github__delete_repo", "(github, raw)");
    }

    @Test
    void aServerListingOneToolTwiceOffersItNot() {
        Catalog c = new Catalog(config("__", server("s", "s")));

        c.update("s", tools(tool("dup"), tool("dup").put("description", "the other one")));

        assertThat(c.view().tools()).isEmpty();
        assertThat(c.view().problems()).singleElement().asString().contains("s__dup");
    }

    @Test
    void aConflictIsResolvedWhenOneServerStopsOfferingTheTool() {
        Catalog c = new Catalog(config("__", server("alpha", ""), server("beta", "")));
        c.update("alpha", tools(tool("search")));
        c.update("beta", tools(tool("search")));

        c.update("beta", tools());

        assertThat(c.view().toolsByName().get("search").server()).isEqualTo("alpha");
        assertThat(c.view().problems()).isEmpty();
    }

    static Stream<Arguments> invalidToolNames() {
        return Stream.of(
                argumentSet("space", "", "has space"),
                argumentSet("129 characters", "", "x".repeat(129)),
                argumentSet("129 characters with the prefix", "s", "x".repeat(126)),
                argumentSet("latin-1 letter", "", "tööl"),
                argumentSet("CJK", "", "工具"),
                argumentSet("Cyrillic homoglyph", "", "\u0430dmin"),
                argumentSet("fullwidth letters", "", "\uFF54ool"),
                argumentSet("emoji", "s", "tool🙂"),
                argumentSet("right-to-left override", "", "\u202Eevil"),
                argumentSet("zero-width space", "", "to\u200Bol"),
                argumentSet("empty", "s", ""),
                argumentSet("tab", "", "tab\tname"),
                argumentSet("newline", "", "new\nline"),
                argumentSet("NUL", "", "nul\u0000"),
                argumentSet("slash", "", "path/like"),
                argumentSet("semicolon", "", "semi;colon"),
                argumentSet("colon", "s", "a:b"),
                argumentSet("at sign", "", "a@b"),
                argumentSet("shell metacharacters", "", "$(rm -rf)"));
    }

    @ParameterizedTest
    @MethodSource("invalidToolNames")
    void anInvalidToolNameIsNotOfferedAndIsReported(String prefix, String name) {
        Catalog c = new Catalog(config("__", server("s", prefix)));

        c.update("s", tools(tool(name), tool("fine")));

        assertThat(names(c.view().tools())).containsExactly(prefix.isEmpty() ? "fine" : prefix + "__fine");
        assertThat(c.view().problems()).singleElement().asString().contains("not a valid MCP tool name");
    }

    @Test
    void aToolWithoutANameIsNotOffered() {
        Catalog c = new Catalog(config("__", server("s", "s")));

        c.update("s", tools(Json.object().put("description", "nameless"), Json.object().putNull("name")));

        assertThat(c.view().tools()).isEmpty();
        assertThat(c.view().problems()).hasSize(2);
    }

    @ParameterizedTest
    @CsvSource({"'', 128", "s, 125", "abc, 123"})
    void aToolNameOfExactly128CharactersIsOffered(String prefix, int length) {
        Catalog c = new Catalog(config("__", server("s", prefix)));

        c.update("s", tools(tool("n".repeat(length))));

        assertThat(c.view().tools()).singleElement().satisfies(e -> assertThat(e.key()).hasSize(128));
    }

    /**
     * Tool names come from upstream servers, and problems go to the log and to status pages. A
     * hostile name must not be able to forge log lines (CWE-117): control characters are escaped.
     */
    @Test
    void aHostileToolNameCannotInjectControlCharactersIntoProblems() {
        Catalog c = new Catalog(config("__", server("s", "")));

        c.update("s", tools(tool("x\n12:00:00.000 INFO  Router - key wg_admin accepted\r\u001b[2K")));

        assertThat(c.view().problems()).singleElement().asString()
                .doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b");
    }

    @Test
    void theOrderIsSortedAndDoesNotDependOnArrivalOrder() {
        GatewayConfig cfg = config("__", server("zeta", "zeta"), server("alpha", "alpha"), server("Mid", "Mid"));
        Catalog one = new Catalog(cfg);
        Catalog two = new Catalog(cfg);

        one.update("zeta", tools(tool("b"), tool("a")));
        one.update("alpha", tools(tool("z"), tool("A"), tool("_x")));
        one.update("Mid", tools(tool("m")));
        two.update("Mid", tools(tool("m")));
        two.update("alpha", tools(tool("_x"), tool("z"), tool("A")));
        two.update("zeta", tools(tool("a"), tool("b")));

        assertThat(names(one.view().tools())).isSorted()
                .containsExactly("Mid__m", "alpha__A", "alpha___x", "alpha__z", "zeta__a", "zeta__b");
        assertThat(names(two.view().tools())).isEqualTo(names(one.view().tools()));
    }

    @Test
    void resourcesAndTemplatesAreSortedByUri() {
        Catalog c = new Catalog(config("__", server("a", "a"), server("b", "b")));

        c.update("b", resources(List.of("file:///z", "file:///b"), List.of("z://{x}")));
        c.update("a", resources(List.of("file:///m", "db://x"), List.of("a://{x}")));

        assertThat(keys(c.view().resources())).containsExactly("db://x", "file:///b", "file:///m", "file:///z");
        assertThat(keys(c.view().templates())).containsExactly("a://{x}", "z://{x}");
        assertThat(c.view().resources().getFirst().item().path("uri").asText()).as("URIs are not namespaced").isEqualTo("db://x");
    }

    @Test
    void aResourceUriOfferedByTwoServersIsOfferedByNeither() {
        Catalog c = new Catalog(config("__", server("a", "a"), server("b", "b")));

        c.update("a", resources(List.of("file:///shared", "file:///only-a"), List.of()));
        c.update("b", resources(List.of("file:///shared"), List.of()));

        assertThat(keys(c.view().resources())).containsExactly("file:///only-a");
        assertThat(c.view().problems()).singleElement().asString().contains("file:///shared", "(a, b)");
        assertThat(c.resourceServer("file:///shared")).isEmpty();
        assertThat(c.resourceServer("file:///only-a")).contains("a");
    }

    @Test
    void aTemplateOfferedByTwoServersIsOfferedByNeither() {
        Catalog c = new Catalog(config("__", server("a", "a"), server("b", "b")));

        c.update("a", resources(List.of(), List.of("file:///{path}")));
        c.update("b", resources(List.of(), List.of("file:///{path}")));

        assertThat(c.view().templates()).isEmpty();
        assertThat(c.view().problems()).singleElement().asString().contains("file:///{path}");
        assertThat(c.resourceServer("file:///x")).isEmpty();
    }

    static Stream<Arguments> routes() {
        return Stream.of(
                argumentSet("listed resource", "file:///a.txt", Optional.of("files")),
                argumentSet("listed resource of the other server", "memory://graph", Optional.of("memory")),
                argumentSet("template of one server", "repo://octo/hello", Optional.of("github")),
                argumentSet("listed resource beats another server's template", "notes://listed", Optional.of("files")),
                argumentSet("two servers' templates both match", "notes://ambiguous", Optional.empty()),
                argumentSet("nothing matches", "ftp://nowhere", Optional.empty()),
                argumentSet("empty URI", "", Optional.empty()),
                argumentSet("template only matches a prefix", "repo://octo/hello/extra", Optional.empty()),
                argumentSet("listed URI with a suffix", "file:///a.txt?x", Optional.empty()));
    }

    @ParameterizedTest
    @MethodSource("routes")
    void resourceServerRoutesByListedUriThenByTheOneMatchingTemplate(String uri, Optional<String> server) {
        Catalog c = new Catalog(config("__", server("files", "files"), server("memory", "memory"), server("github", "github")));
        c.update("files", resources(List.of("file:///a.txt", "notes://listed"), List.of("notes://{id}")));
        c.update("memory", resources(List.of("memory://graph"), List.of("notes://{+id}")));
        c.update("github", resources(List.of(), List.of("repo://{owner}/{repo}")));

        assertThat(c.resourceServer(uri)).isEqualTo(server);
    }

    @Test
    void twoTemplatesOfOneServerMatchingTheSameUriRouteToIt() {
        Catalog c = new Catalog(config("__", server("files", "files")));

        c.update("files", resources(List.of(), List.of("file:///{name}", "file:///{+path}")));

        assertThat(c.resourceServer("file:///x")).contains("files");
    }

    @Test
    void removingAServerRemovesItsItemsAndRoutes() {
        Catalog c = new Catalog(config("__", server("a", "a"), server("b", "b")));
        c.update("a", new ServerLists(List.of(tool("t")), List.of(tool("p")), List.of(res("file:///a")),
                List.of(template("a://{x}"))));
        c.update("b", tools(tool("t")));

        c.remove("a");

        assertThat(names(c.view().tools())).containsExactly("b__t");
        assertThat(c.view().prompts()).isEmpty();
        assertThat(c.resourceServer("file:///a")).isEmpty();
        assertThat(c.resourceServer("a://1")).isEmpty();
    }

    @Test
    void anUpdateReplacesTheServersPreviousLists() {
        Catalog c = new Catalog(config("__", server("a", "a")));
        c.update("a", tools(tool("old")));

        c.update("a", tools(tool("new")));

        assertThat(names(c.view().tools())).containsExactly("a__new");
    }

    @Test
    void removingAnUnknownServerChangesNothing() {
        Catalog c = new Catalog(config("__", server("a", "a")));
        c.update("a", tools(tool("t")));
        Catalog.View before = c.view();

        c.remove("nobody");

        assertThat(c.view()).isSameAs(before);
    }

    @Test
    void theViewIsImmutable() {
        Catalog c = new Catalog(config("__", server("a", "a")));
        c.update("a", tools(tool("t")));
        Catalog.View v = c.view();

        assertThat(v.tools()).isUnmodifiable();
        assertThat(v.toolsByName()).isUnmodifiable();
        assertThat(v.problems()).isUnmodifiable();
    }

    static GatewayConfig config(String separator, ServerConfig... servers) {
        Map<String, ServerConfig> byName = new LinkedHashMap<>();
        Arrays.stream(servers).forEach(s -> byName.put(s.name(), s));
        return new GatewayConfig(Path.of("/tmp/waygate.yaml"), GatewayConfig.DEFAULT_LISTEN, Path.of("/tmp/data"),
                GatewayConfig.AuthMode.API_KEY, List.of(), GatewayConfig.DEFAULT_MAX_BODY_BYTES, separator,
                GatewayConfig.DEFAULT_PAGE_SIZE, GatewayConfig.DEFAULT_SESSION_IDLE, byName);
    }

    static ServerConfig server(String name, String prefix) {
        return new ServerConfig(name, ServerConfig.Transport.STDIO, Optional.of("true"), List.of(), Map.of(),
                Optional.empty(), Optional.empty(), Map.of(), prefix, ServerConfig.DEFAULT_TIMEOUT, true);
    }

    private static ObjectNode tool(String name) {
        return Json.object().put("name", name);
    }

    private static ObjectNode res(String uri) {
        return Json.object().put("uri", uri).put("name", uri);
    }

    private static ObjectNode template(String uriTemplate) {
        return Json.object().put("uriTemplate", uriTemplate).put("name", uriTemplate);
    }

    private static ServerLists tools(ObjectNode... tools) {
        return new ServerLists(List.of(tools), List.of(), List.of(), List.of());
    }

    private static ServerLists resources(List<String> uris, List<String> templates) {
        return new ServerLists(List.of(), List.of(), uris.stream().map(CatalogTest::res).toList(),
                templates.stream().map(CatalogTest::template).toList());
    }

    private static List<String> names(List<Entry> entries) {
        return entries.stream().map(e -> e.item().path("name").asText()).toList();
    }

    private static List<String> keys(List<Entry> entries) {
        return entries.stream().map(Entry::key).toList();
    }
}
