package dev.waygate.front;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.OAuthConfig;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) at {@code /.well-known/oauth-protected-resource}
 * and at the path-suffixed form for the resource's path ({@code .../oauth-protected-resource/mcp}),
 * which MCP clients try first. Public metadata, so unauthenticated, but DNS-rebinding checked like
 * every other endpoint. The document is built once: it comes from configuration, never from the
 * request (a Host header cannot steer clients to another authorization server).
 */
final class ProtectedResourceHandler {
    static final String ROOT = "/.well-known/oauth-protected-resource";

    private final HttpGuard guard;
    private final Set<String> paths;
    private final byte[] document;

    ProtectedResourceHandler(OAuthConfig config, HttpGuard guard) {
        this.guard = guard;
        String resourcePath = URI.create(config.audience()).getRawPath();
        this.paths = resourcePath == null || resourcePath.isEmpty() || resourcePath.equals("/")
                ? Set.of(ROOT) : Set.of(ROOT, ROOT + resourcePath);
        this.document = Json.bytes(document(config));
    }

    boolean serves(String path) {
        return paths.contains(path);
    }

    static ObjectNode document(OAuthConfig config) {
        ObjectNode doc = Json.object();
        doc.put("resource", config.audience());
        ArrayNode servers = doc.putArray("authorization_servers");
        config.authorizationServers().forEach(servers::add);
        doc.putArray("bearer_methods_supported").add("header");
        if (!config.scopesSupported().isEmpty()) {
            ArrayNode scopes = doc.putArray("scopes_supported");
            config.scopesSupported().forEach(scopes::add);
        }
        return doc;
    }

    void handle(Request request, Response response, Callback callback) {
        if (!guard.originChecked(request, response, callback)) {
            return;
        }
        if (!request.getMethod().equals("GET")) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET");
            Http.error(response, callback, 405, "method_not_allowed", "use GET");
            return;
        }
        Http.send(response, callback, 200, "application/json", document);
    }
}
