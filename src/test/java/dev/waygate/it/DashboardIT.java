package dev.waygate.it;

import static dev.waygate.it.ApprovalSupport.awaitPending;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium: an approver signs in with an API key, sees a pending call
 * with attacker-chosen arguments rendered as inert text, and approves it with a comment; the
 * waiting MCP call then completes. Also: the session cookie's flags, the CSP, CSRF and Origin checks.
 */
class DashboardIT {
    /** Each would run script or add an element if the page put data into HTML. */
    static final String XSS_IMG = "<img src=x onerror=\"window.__xss=1;alert(1)\">";
    static final String XSS_SCRIPT = "</script><script>window.__xss=2;alert(2)</script>";
    static final String XSS_LINK = "javascript:alert(3)";
    static final String XSS_SVG = "<svg/onload=alert(4)>";

    static GatewayFixture gw;
    static String approver;
    static final Set<String> seen = new HashSet<>();

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start("""
                servers:
                  everything: { command: node, args: ["%s", stdio] }
                approvals: { timeout: 3m }
                policy:
                  rules:
                    - name: echo-needs-approval
                      tools: [everything__echo]
                      effect: allow
                      risk: high
                      # The javascript: link must reach the approver's screen (to prove it stays inert there);
                      # the SSRF guard reports it instead of refusing the call, and the finding is shown.
                      guards: { ssrf: report }
                    - name: the-rest
                      effect: allow
                """.formatted(GatewayFixture.everything()));
        gw.awaitReady(Duration.ofSeconds(60)).awaitTools(Duration.ofSeconds(60), "everything__echo");
        approver = gw.createKey("alice", "approver");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void anApproverApprovesInTheBrowserAndHostileArgumentsStayInertText() throws Exception {
        ChromeDriver browser = Browser.start();
        try {
            String message = XSS_IMG + " " + XSS_SCRIPT + " " + XSS_SVG;
            CompletableFuture<JsonNode> out = NodeClient.async(NodeClient.httpArgs(gw.mcpUrl(), gw.key()),
                    "[{\"op\":\"callTool\",\"name\":\"everything__echo\",\"arguments\":{\"message\":"
                            + dev.waygate.mcp.Json.MAPPER.writeValueAsString(message) + ",\"link\":\"" + XSS_LINK
                            + "\"},\"timeoutMs\":170000}]");
            String id = awaitPending(gw.base(), approver, "everything__echo", seen).path("id").asText();

            browser.get(gw.base() + "/dashboard/");
            browser.findElement(By.id("key")).sendKeys(approver);
            browser.findElement(By.id("login")).click();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            WebElement card = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("article[data-approval-id='" + id + "']")));

            Cookie session = browser.manage().getCookieNamed("waygate_dashboard");
            assertThat(session.isHttpOnly()).isTrue();
            assertThat(session.getSameSite()).isEqualTo("Strict");
            assertThat(session.getPath()).isEqualTo("/dashboard");

            // Literally visible, and nothing it describes exists or ran.
            String args = card.findElement(By.cssSelector("pre.arguments")).getText();
            assertThat(args).contains(XSS_IMG.replace("\"", "\\\"")).contains(XSS_SCRIPT).contains(XSS_SVG).contains(XSS_LINK);
            assertThat(card.findElement(By.cssSelector(".principal")).getText()).isEqualTo("tester");
            assertThat(card.findElement(By.cssSelector(".rule")).getText()).contains("echo-needs-approval");
            assertThat(browser.findElements(By.tagName("img"))).isEmpty();
            assertThat(browser.findElements(By.tagName("svg"))).isEmpty();
            assertThat(browser.findElements(By.cssSelector("a"))).isEmpty();
            assertThat(browser.findElements(By.tagName("script"))).hasSize(1);
            assertThat(browser.executeScript("return typeof window.__xss")).isEqualTo("undefined");
            assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

            card.findElement(By.cssSelector("textarea.comment")).sendKeys("ok from the browser <b>bold</b>");
            card.findElement(By.cssSelector("button.approve")).click();

            JsonNode result = out.get(170, TimeUnit.SECONDS);
            assertThat(NodeClient.text(result, 0)).isEqualTo("Echo: " + message);
            JsonNode decided = ApprovalSupport.get(gw.base(), approver, "/approvals/" + id).body();
            assertThat(decided.path("state").asText()).isEqualTo("approved");
            assertThat(decided.path("decisions").get(0).path("comment").asText()).isEqualTo("ok from the browser <b>bold</b>");
            // Live update without reload: the card moves to "Recently ended" with the comment as text.
            WebElement ended = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("#ended article[data-approval-id='" + id + "']")));
            wait.until(d -> ended.getText().contains("ok from the browser <b>bold</b>"));
            assertThat(browser.findElements(By.tagName("b"))).isEmpty();
            assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        } finally {
            browser.quit();
        }
    }

    @Test
    void thePagesAreLockedDownAndPostsNeedTheSessionsCsrfTokenAndOrigin() throws Exception {
        HttpResponse<String> page = ApprovalSupport.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/dashboard/"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("script-src 'self'").contains("default-src 'none'").doesNotContain("unsafe-inline");
        assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=");

        ChromeDriver browser = Browser.start();
        try {
            browser.get(gw.base() + "/dashboard/");
            browser.findElement(By.id("key")).sendKeys("wg_wrong_key_0000000000000000000000");
            browser.findElement(By.id("login")).click();
            assertThat(browser.findElement(By.id("login-error")).getText()).contains("not valid");
            browser.findElement(By.id("key")).sendKeys(approver);
            browser.findElement(By.id("login")).click();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(By.id("pending")));
            String cookie = "waygate_dashboard=" + browser.manage().getCookieNamed("waygate_dashboard").getValue();

            String target = gw.base() + "/dashboard/api/approvals/ap_00/approve";
            assertThat(postStatus(target, cookie, null, null)).as("no CSRF token").isEqualTo(403);
            assertThat(postStatus(target, cookie, "0".repeat(64), null)).as("wrong CSRF token").isEqualTo(403);
            String csrf = (String) browser.executeScript("return document.querySelector('meta[name=csrf-token]').content");
            assertThat(postStatus(target, cookie, csrf, "http://evil.example")).as("foreign Origin").isEqualTo(403);
            assertThat(postStatus(target, cookie, csrf, null)).as("right token: reaches the decision").isEqualTo(404);
            assertThat(postStatus(target, null, csrf, null)).as("no session").isEqualTo(401);
        } finally {
            browser.quit();
        }
    }

    @Test
    void revokingTheKeyEndsItsDashboardSessions() throws Exception {
        String key = gw.createKey("dave", "approver");
        HttpResponse<String> page = ApprovalSupport.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/dashboard/"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        String loginCookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        String token = loginCookie.substring(loginCookie.indexOf('=') + 1);
        HttpResponse<String> login = ApprovalSupport.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/dashboard/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", loginCookie)
                .POST(HttpRequest.BodyPublishers.ofString("login_token=" + token + "&key=" + key)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(303);
        String session = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("waygate_dashboard="))
                .findFirst().orElseThrow().split(";")[0];
        assertThat(apiStatus(session)).isEqualTo(200);
        try (dev.waygate.store.Database db = dev.waygate.store.Database.open(gw.gateway().config().dataDir())) {
            assertThat(new dev.waygate.auth.KeyStore(db).revoke(key)).isTrue();
        }
        assertThat(apiStatus(session)).isEqualTo(401);

        // And a login form without its token is refused (login CSRF).
        HttpResponse<String> forged = ApprovalSupport.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/dashboard/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + approver)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("waygate_dashboard="));
    }

    private static int apiStatus(String cookie) throws Exception {
        return ApprovalSupport.HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/dashboard/api/approvals"))
                .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static int postStatus(String url, String cookie, String csrf, String origin) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        return ApprovalSupport.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
