package dev.waygate.front;

import dev.waygate.auth.AuthResult;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.Principal;
import dev.waygate.auth.Rejection;
import dev.waygate.config.GatewayConfig;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The checks every MCP HTTP request passes before anything else, in this order:
 * <ol>
 *   <li>DNS rebinding (MCP transports spec): on a loopback listener the Host must be a loopback
 *       name, and a browser's Origin must be a loopback origin or in {@code allowed_origins};
 *       otherwise 403. A web page on evil.example that resolves to 127.0.0.1 is refused here.</li>
 *   <li>Authentication: a valid API key or (with {@code oauth}) access token, else 401 with
 *       {@code WWW-Authenticate} (RFC 6750 3): {@code resource_metadata} points at the protected
 *       resource metadata (RFC 9728 5.1, MCP authorization spec), and a presented but refused
 *       credential adds {@code error="invalid_token"} and a short description that never echoes it.
 *       When the issuer's keys cannot be fetched the answer is 503: the token may be fine.</li>
 * </ol>
 */
final class HttpGuard {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    /** Told about every request answered with 401 (the audit log records it). */
    @FunctionalInterface
    interface AuthFailures {
        AuthFailures NONE = (path, presented, remote) -> {};

        /** @param presented whether the request carried a credential (then a wrong one) */
        void failed(String path, boolean presented, String remote);
    }

    private final GatewayConfig config;
    private final Authenticator auth;
    private final AuthFailures failures;
    /** Whether the listener is on loopback (resolved once: the listen address does not change while serving). */
    private final boolean loopbackListener;

    HttpGuard(GatewayConfig config, Authenticator auth) {
        this(config, auth, AuthFailures.NONE);
    }

    HttpGuard(GatewayConfig config, Authenticator auth, AuthFailures failures) {
        this.config = config;
        this.loopbackListener = config.listen().isLoopback();
        this.auth = auth;
        this.failures = failures;
    }

    /** The caller's principal, or empty after answering 403/401. */
    Optional<Principal> admit(Request request, Response response, Callback callback) {
        if (!originChecked(request, response, callback)) {
            return Optional.empty();
        }
        AuthResult result = auth.check(request.getHeaders().get(HttpHeader.AUTHORIZATION),
                request.getHeaders().get("X-Waygate-API-Key"));
        if (result.principal().isPresent()) {
            return result.principal();
        }
        // Refused before the body was read: the connection is closed after the answer, and says so,
        // so that a client never reuses it and has its next request cut off.
        Http.closeAfter(response);
        Optional<Rejection> why = result.rejection();
        if (why.isPresent() && why.get().unavailable()) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "30");
            Http.error(response, callback, 503, why.get().code(), why.get().description());
            return Optional.empty();
        }
        boolean presented = request.getHeaders().get(HttpHeader.AUTHORIZATION) != null
                || request.getHeaders().get("X-Waygate-API-Key") != null;
        failures.failed(Request.getPathInContext(request), presented, Request.getRemoteAddr(request));
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge(why));
        if (why.isPresent()) {
            Http.error(response, callback, 401, why.get().code(), why.get().description());
        } else {
            Http.error(response, callback, 401, "unauthenticated", config.oauth().isPresent()
                    ? "authentication required (Authorization: Bearer ACCESS_TOKEN or API key)"
                    : "a valid API key is required (Authorization: Bearer KEY or X-Waygate-API-Key: KEY)");
        }
        return Optional.empty();
    }

    /** Step 1 alone (for public endpoints): false after answering 403. */
    boolean originChecked(Request request, Response response, Callback callback) {
        if (!hostAllowed(request.getHeaders().get(HttpHeader.HOST))
                || !originAllowed(request.getHeaders().get(HttpHeader.ORIGIN))) {
            Http.closeAfter(response);
            Http.error(response, callback, 403, "forbidden_origin", "Host or Origin not allowed (DNS-rebinding protection)");
            return false;
        }
        return true;
    }

    /** The {@code WWW-Authenticate} value of a 401; descriptions are our own constants, never client input. */
    String challenge(Optional<Rejection> why) {
        StringBuilder b = new StringBuilder("Bearer realm=\"waygate\"");
        config.oauth().ifPresent(o -> {
            b.append(", resource_metadata=\"").append(o.metadataUrl()).append('"');
            if (!o.scopesSupported().isEmpty()) {
                b.append(", scope=\"").append(String.join(" ", o.scopesSupported())).append('"');
            }
        });
        why.ifPresent(r -> b.append(", error=\"invalid_token\", error_description=\"").append(r.description()).append('"'));
        return b.toString();
    }

    boolean hostAllowed(String host) {
        if (!loopbackListener) {
            return true;
        }
        if (host == null) {
            return false;
        }
        return LOOPBACK_NAMES.contains(hostName(host));
    }

    boolean originAllowed(String origin) {
        if (origin == null) {
            return true;
        }
        List<String> allowed = config.allowedOrigins();
        if (allowed.contains(origin) || allowed.contains("*")) {
            return true;
        }
        try {
            URI u = new URI(origin);
            String host = u.getHost();
            return host != null && LOOPBACK_NAMES.contains(host.toLowerCase(Locale.ROOT))
                    && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()));
        } catch (Exception e) {
            return false;
        }
    }

    private static String hostName(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0 || !(end == h.length() - 1 || h.charAt(end + 1) == ':')) {
                return h;
            }
            return h.substring(0, end + 1);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }
}
