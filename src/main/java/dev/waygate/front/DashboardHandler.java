package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.waygate.approval.Signing;
import dev.waygate.audit.Audit;
import dev.waygate.audit.AuditIndex;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.UrlEncoded;

/**
 * The web dashboard under {@code /dashboard/}: an approvals inbox (live, by polling its JSON API)
 * and recent activity. How it stays safe with attacker-controlled text (tool arguments) on screen:
 * <ol>
 *   <li>Login takes an API key once and starts a server-side session; the cookie is HttpOnly,
 *       SameSite=Strict, path /dashboard, and Secure on TLS. The login form itself carries a
 *       double-submit token (login CSRF). A session ends when its API key is revoked or expires.</li>
 *   <li>Every POST must carry the session's CSRF token (header {@code X-CSRF-Token}) and, when the browser sends one, an Origin equal to this host.</li>
 *   <li>Pages are fixed HTML with a strict Content-Security-Policy ({@code script-src 'self'}, no
 *       inline script or style); the few server-side values are encoded with the OWASP encoder;
 *       the script builds the DOM with {@code textContent} only, never HTML from data.</li>
 * </ol>
 */
final class DashboardHandler {
    static final String PREFIX = "/dashboard";
    static final String COOKIE = "waygate_dashboard";
    static final String LOGIN_COOKIE = "waygate_login";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Pattern ACTION = Pattern.compile("/dashboard/api/approvals/(ap_[0-9a-f]{1,64})/(approve|deny)");
    private static final Map<String, String> STATIC = Map.of("/dashboard/static/app.js", "text/javascript; charset=utf-8",
            "/dashboard/static/app.css", "text/css; charset=utf-8");
    private static final long MAX_BODY = 16 * 1024;

    private final ApprovalsApi api;
    private final Authenticator auth;
    private final HttpGuard guard;
    private final Audit audit;
    private final Signing signing;
    private final dev.waygate.auth.KeyStore keys;
    private final DashboardSessions sessions = new DashboardSessions();

    DashboardHandler(ApprovalsApi api, Authenticator auth, dev.waygate.auth.KeyStore keys, HttpGuard guard, Audit audit,
                     Signing signing) {
        this.keys = keys;
        this.api = api;
        this.auth = auth;
        this.guard = guard;
        this.audit = audit;
        this.signing = signing;
    }

    static boolean serves(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    void handle(String path, Request request, Response response, Callback callback) {
        secure(response);
        if (!guard.originChecked(request, response, callback)) {
            return;
        }
        String method = request.getMethod();
        if (STATIC.containsKey(path) && method.equals("GET")) {
            serveStatic(path, response, callback);
            return;
        }
        if (path.equals(PREFIX)) {
            redirect(response, callback, PREFIX + "/");
            return;
        }
        if (method.equals("POST") && !sameOrigin(request)) {
            Http.error(response, callback, 403, "forbidden_origin", "cross-origin request refused");
            return;
        }
        if (path.equals(PREFIX + "/login") && method.equals("POST")) {
            login(request, response, callback);
            return;
        }
        Optional<DashboardSessions.Session> s = session(request);
        if (path.equals(PREFIX + "/") && method.equals("GET")) {
            Fields q = Request.extractQueryParameters(request);
            Optional<String> focus = Optional.ofNullable(q.getValue("approval"))
                    .filter(id -> signing.linkValid(id, q.getValue("exp"), q.getValue("sig"), Instant.now()));
            if (s.isPresent()) {
                html(response, callback, 200, DashboardPages.inbox(s.get(), focus));
            } else {
                String token = loginToken(response, request);
                html(response, callback, 200, DashboardPages.login(token, focus.map(f -> linkQuery(q)), Optional.empty()));
            }
            return;
        }
        if (s.isEmpty()) {
            Http.error(response, callback, 401, "unauthenticated", "sign in at /dashboard/");
            return;
        }
        if (method.equals("POST") && !DashboardSessions.csrfMatches(s.get(), csrf(request))) {
            Http.error(response, callback, 403, "csrf", "missing or wrong CSRF token");
            return;
        }
        route(path, method, s.get(), request, response, callback);
    }

    private void route(String path, String method, DashboardSessions.Session s, Request request, Response response,
                       Callback callback) {
        Principal p = s.principal();
        Matcher action = ACTION.matcher(path);
        if (path.equals(PREFIX + "/logout") && method.equals("POST")) {
            sessions.end(s.id());
            response.getHeaders().add(HttpHeader.SET_COOKIE, cookie(request, COOKIE, "", 0));
            redirect(response, callback, PREFIX + "/");
        } else if (path.equals(PREFIX + "/api/approvals") && method.equals("GET")) {
            boolean pending = "pending".equals(Request.extractQueryParameters(request).getValue("state"));
            Http.json(response, callback, 200, api.list(p, pending));
        } else if (action.matches() && method.equals("POST")) {
            JsonNode body;
            try {
                byte[] b = Http.readBody(request, MAX_BODY);
                body = b.length == 0 ? Json.object() : Json.parse(b);
            } catch (IOException e) {
                Http.error(response, callback, 400, "bad_request", "the body must be a JSON object");
                return;
            }
            ApprovalsHandler.answer(() -> api.decide(p, action.group(1), action.group(2).equals("approve"), body),
                    action.group(1), response, callback);
        } else if (path.equals(PREFIX + "/api/activity") && method.equals("GET")) {
            if (p.roles().stream().noneMatch(AdminHandler.AUDIT_ROLES::contains)) {
                Http.error(response, callback, 403, "forbidden", "recent activity needs the admin or auditor role");
                return;
            }
            Http.json(response, callback, 200, Json.object().set("entries", activity()));
        } else {
            Http.error(response, callback, 404, "not_found", "no such page: " + path);
        }
    }

    private void login(Request request, Response response, Callback callback) {
        Fields form = new Fields();
        try {
            UrlEncoded.decodeUtf8To(new String(Http.readBody(request, MAX_BODY), StandardCharsets.UTF_8), form);
        } catch (IOException | IllegalArgumentException e) {
            Http.error(response, callback, 400, "bad_request", "malformed form");
            return;
        }
        String presented = form.getValue("login_token");
        String expected = cookieValue(request, LOGIN_COOKIE);
        if (presented == null || expected == null || !java.security.MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII))) {
            Http.error(response, callback, 403, "csrf", "the login form expired: reload the page");
            return;
        }
        Optional<String> link = Optional.ofNullable(form.getValue("approval"))
                .filter(id -> signing.linkValid(id, form.getValue("exp"), form.getValue("sig"), Instant.now()))
                .map(id -> "approval=" + id + "&exp=" + form.getValue("exp") + "&sig=" + form.getValue("sig"));
        String key = Optional.ofNullable(form.getValue("key")).orElse("").trim();
        Optional<Principal> p = key.isEmpty() ? Optional.empty() : auth.authenticateKey(key);
        if (p.isEmpty()) {
            audit.authenticationFailed(PREFIX + "/login", !key.isEmpty(), Request.getRemoteAddr(request));
            html(response, callback, 401, DashboardPages.login(loginToken(response, request), link,
                    Optional.of("That key is not valid (unknown, expired or revoked).")));
            return;
        }
        DashboardSessions.Session s = sessions.create(p.get());
        response.getHeaders().add(HttpHeader.SET_COOKIE, cookie(request, COOKIE, s.id(), -1));
        response.getHeaders().add(HttpHeader.SET_COOKIE, cookie(request, LOGIN_COOKIE, "", 0));
        redirect(response, callback, PREFIX + "/" + link.map(l -> "?" + l).orElse(""));
    }

    private ArrayNode activity() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (String line : audit.index().search(new AuditIndex.Query(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 50))) {
            try {
                JsonNode e = Json.parse(line);
                out.addObject().put("time", e.path("time").asText()).put("principal", e.path("principal").asText())
                        .put("action", e.path("action").asText()).put("target", e.path("target").asText())
                        .put("decision", e.path("decision").asText()).put("reason", e.path("reason").asText());
            } catch (IOException ignored) {
                // an index row that is not JSON is skipped; the journal is the record
            }
        }
        return out;
    }

    private String loginToken(Response response, Request request) {
        String t = java.util.HexFormat.of().formatHex(randomBytes());
        response.getHeaders().add(HttpHeader.SET_COOKIE, cookie(request, LOGIN_COOKIE, t, 600));
        return t;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[24];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    private static String linkQuery(Fields q) {
        return "approval=" + q.getValue("approval") + "&exp=" + q.getValue("exp") + "&sig=" + q.getValue("sig");
    }

    /** The request's live session; one whose API key was revoked or expired meanwhile ends here. */
    private Optional<DashboardSessions.Session> session(Request request) {
        Optional<DashboardSessions.Session> s = sessions.find(cookieValue(request, COOKIE));
        if (s.isPresent() && !keys.find(s.get().principal().keyId()).map(k -> k.usable(Instant.now())).orElse(false)) {
            sessions.end(s.get().id());
            return Optional.empty();
        }
        return s;
    }

    private static String cookieValue(Request request, String name) {
        for (HttpCookie c : Request.getCookies(request)) {
            if (c.getName().equals(name)) {
                return c.getValue();
            }
        }
        return null;
    }

    private static String csrf(Request request) {
        return request.getHeaders().get("X-CSRF-Token");
    }

    /** An Origin, when present, must be this very host: a page elsewhere cannot post here. */
    private static boolean sameOrigin(Request request) {
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null) {
            return true;
        }
        String host = request.getHeaders().get(HttpHeader.HOST);
        return host != null && origin.equals((request.isSecure() ? "https://" : "http://") + host);
    }

    /** {@code maxAge}: -1 for a session cookie, 0 to delete. Values are our own hex tokens. */
    private static String cookie(Request request, String name, String value, int maxAge) {
        return name + "=" + value + "; Path=" + PREFIX + "; HttpOnly; SameSite=Strict" + (request.isSecure() ? "; Secure" : "")
                + (maxAge >= 0 ? "; Max-Age=" + maxAge : "");
    }

    private static void secure(Response response) {
        response.getHeaders().put("Content-Security-Policy", CSP);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("X-Frame-Options", "DENY");
        response.getHeaders().put("Referrer-Policy", "same-origin");
    }

    private static void html(Response response, Callback callback, int status, String page) {
        Http.send(response, callback, status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
    }

    private static void redirect(Response response, Callback callback, String location) {
        response.getHeaders().put(HttpHeader.LOCATION, location);
        Http.empty(response, callback, 303);
    }

    private static void serveStatic(String path, Response response, Callback callback) {
        String resource = "dashboard/" + path.substring(path.lastIndexOf('/') + 1);
        try (InputStream in = DashboardHandler.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                Http.error(response, callback, 404, "not_found", "no such file");
                return;
            }
            Http.send(response, callback, 200, STATIC.get(path), in.readAllBytes());
        } catch (IOException e) {
            Http.error(response, callback, 500, "internal_error", "cannot read " + resource);
        }
    }
}
