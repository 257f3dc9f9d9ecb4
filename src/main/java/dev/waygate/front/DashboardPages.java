package dev.waygate.front;

import dev.waygate.auth.Principal;
import java.util.Optional;
import org.owasp.encoder.Encode;

/**
 * The dashboard's two HTML pages. Fixed markup; each value from outside (principal name, tokens, an
 * approval id) goes through the OWASP encoder for its exact context. No inline script or style:
 * the Content-Security-Policy forbids both.
 */
final class DashboardPages {
    private DashboardPages() {}

    private static String head(String title) {
        return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Encode.forHtml(title)
                + "</title><meta name=\"viewport\" content=\"width=device-width\">"
                + "<link rel=\"stylesheet\" href=\"/dashboard/static/app.css\">";
    }

    static String login(String loginToken, Optional<String> linkQuery, Optional<String> error) {
        StringBuilder b = new StringBuilder(head("Waygate: sign in")).append("</head><body class=\"login\"><main>")
                .append("<h1>Waygate</h1><p>Sign in with an API key to review approvals.</p>");
        error.ifPresent(e -> b.append("<p class=\"error\" id=\"login-error\">").append(Encode.forHtml(e)).append("</p>"));
        b.append("<form method=\"post\" action=\"/dashboard/login\" autocomplete=\"off\">")
                .append("<input type=\"hidden\" name=\"login_token\" value=\"").append(Encode.forHtmlAttribute(loginToken))
                .append("\">");
        linkQuery.ifPresent(q -> {
            for (String kv : q.split("&")) {
                int eq = kv.indexOf('=');
                b.append("<input type=\"hidden\" name=\"").append(Encode.forHtmlAttribute(kv.substring(0, eq)))
                        .append("\" value=\"").append(Encode.forHtmlAttribute(kv.substring(eq + 1))).append("\">");
            }
        });
        return b.append("<label for=\"key\">API key</label> <input type=\"password\" id=\"key\" name=\"key\" required>")
                .append(" <button type=\"submit\" id=\"login\">Sign in</button></form></main></body></html>").toString();
    }

    static String inbox(DashboardSessions.Session s, Optional<String> focus) {
        Principal p = s.principal();
        return head("Waygate: approvals")
                + "<meta name=\"csrf-token\" content=\"" + Encode.forHtmlAttribute(s.csrf()) + "\">"
                + "<script src=\"/dashboard/static/app.js\" defer></script></head>"
                + "<body data-focus=\"" + Encode.forHtmlAttribute(focus.orElse("")) + "\" data-user=\""
                + Encode.forHtmlAttribute(p.name()) + "\"><header><h1>Waygate</h1><span id=\"who\">Signed in as "
                + Encode.forHtml(p.name()) + "</span><form method=\"post\" action=\"/dashboard/logout\" id=\"logout-form\">"
                + "<button type=\"submit\" id=\"logout\">Sign out</button></form></header><main>"
                + "<section><h2>Pending approvals</h2><p id=\"status\" class=\"status\"></p><div id=\"pending\"></div></section>"
                + "<section><h2>Recently ended</h2><div id=\"ended\"></div></section>"
                + "<section id=\"activity-section\" hidden><h2>Recent activity</h2><table id=\"activity\"></table></section>"
                + "</main></body></html>";
    }
}
