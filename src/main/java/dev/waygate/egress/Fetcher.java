package dev.waygate.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.audit.Redactor;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;

/**
 * {@code POST /proxy/request}: the gateway makes an HTTP request for the caller under the same
 * rules as the proxy. In order: (1) the body is checked for secrets
 * (keys, tokens, private keys: exfiltration is refused with
 * {@code secret_in_request}); (2) each hop is judged like a proxy request (rules, SSRF on the
 * resolved addresses, rate limit) and dialed at its checked address; (3) redirects are followed
 * by hand, at most {@code max_redirects}, each target judged again, so a public URL that
 * redirects to 169.254.169.254 is refused; (4) the response body is read up to
 * {@code max_response_bytes}, beyond which the answer is {@code response_too_large}.
 */
public final class Fetcher {
    /** Request headers the caller may not set: hop-by-hop, framing, and the gateway's own. */
    private static final Set<String> DROPPED = Set.of("host", "connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authorization", "content-length", "expect");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-authenticate");

    private final Egress egress;
    private final HttpClient client;
    private final EgressConfig.Limits limits;

    Fetcher(Egress egress, HttpClient client, EgressConfig.Limits limits) {
        this.egress = egress;
        this.client = client;
        this.limits = limits;
    }

    /** A refusal or failure: REST status, stable code, message. */
    public static final class FetchException extends RuntimeException {
        private final int status;
        private final String code;

        FetchException(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    /**
     * @param spec {@code {"method", "url", "headers": {name: value}, "body" | "body_base64"}}
     * @return {@code {"status", "url", "redirects", "headers": {...}, "body" | "body_base64"}}
     */
    public ObjectNode fetch(Principal who, JsonNode spec, String remote) {
        String method = spec.path("method").asText("GET").toUpperCase(Locale.ROOT);
        if (!method.matches("[A-Z]{1,20}") || method.equals("CONNECT")) {
            throw new FetchException(400, "invalid_request", "method must be an HTTP method other than CONNECT");
        }
        URI uri = uri(spec.path("url").asText(""));
        byte[] body = body(spec);
        JsonNode headers = spec.path("headers");
        if (!headers.isMissingNode() && !headers.isObject()) {
            throw new FetchException(400, "invalid_request", "headers must be an object of strings");
        }
        checkSecrets(body);
        for (int hop = 0; ; hop++) {
            Target t = new Target(uri.getScheme(), uri.getHost(), port(uri), method, uri.getRawPath() == null || uri.getRawPath().isEmpty()
                    ? "/" : uri.getRawPath(), false);
            Exchange x = egress.admit(who, t, EgressEvents.FETCH, remote);
            if (!x.decision().allowed()) {
                String where = hop == 0 ? "" : " (redirect " + hop + ")";
                throw new FetchException(Refusal.status(x.decision().reason()) == 407 ? 403 : Refusal.status(x.decision().reason()),
                        x.decision().reason(), Refusal.message(x.decision().reason(), x.decision().rule()) + where);
            }
            Response r;
            byte[] content;
            try (InputStreamResponseListener listener = new InputStreamResponseListener()) {
                var request = client.newRequest(uri).method(method).tag(new PinnedResolver.Pinned(x.decision().addresses()))
                        .timeout(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
                headers.properties().forEach(e -> {
                    if (!DROPPED.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                        request.headers(h -> h.add(e.getKey(), e.getValue().asText()));
                    }
                });
                if (body.length > 0) {
                    request.body(new BytesRequestContent(body));
                    x.bytesOut.addAndGet(body.length);
                }
                request.send(listener);
                r = listener.get(limits.connectTimeout().toMillis() + limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
                try (InputStream in = listener.getInputStream()) {
                    content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxResponseBytes() + 1));
                }
                x.bytesIn.addAndGet(content.length);
                x.status = r.getStatus();
                if (content.length > limits.maxResponseBytes()) {
                    r.abort(new IOException("response too large"));
                    x.failure = "response_too_large";
                    throw new FetchException(502, "response_too_large",
                            "the response body is larger than " + limits.maxResponseBytes() + " bytes");
                }
            } catch (FetchException e) {
                throw e;
            } catch (java.util.concurrent.TimeoutException e) {
                x.failure = "upstream_timeout";
                throw new FetchException(504, "upstream_timeout", "no response in time");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                x.failure = "interrupted";
                throw new FetchException(503, "interrupted", "interrupted");
            } catch (Exception e) {
                x.failure = "upstream_unreachable";
                throw new FetchException(502, "upstream_unreachable", "the destination could not be reached");
            } finally {
                egress.finish(x);
            }
            String location = r.getHeaders().get("Location");
            if (isRedirect(r.getStatus()) && location != null) {
                if (hop >= limits.maxRedirects()) {
                    throw new FetchException(502, "too_many_redirects", "more than " + limits.maxRedirects() + " redirects");
                }
                uri = uri(uri.resolve(location.trim()).toString());
                if (r.getStatus() == 303 || ((r.getStatus() == 301 || r.getStatus() == 302) && method.equals("POST"))) {
                    method = "GET";
                    body = new byte[0];
                }
                continue;
            }
            return result(r, content, uri, hop);
        }
    }

    private static ObjectNode result(Response r, byte[] content, URI uri, int redirects) {
        ObjectNode o = Json.object().put("status", r.getStatus()).put("url", uri.toString()).put("redirects", redirects);
        ObjectNode h = o.putObject("headers");
        for (HttpField f : r.getHeaders()) {
            String name = f.getName().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name)) {
                h.put(name, h.has(name) ? h.get(name).asText() + ", " + f.getValue() : f.getValue());
            }
        }
        try {
            o.put("body", StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(content)).toString());
        } catch (CharacterCodingException e) {
            o.put("body_base64", Base64.getEncoder().encodeToString(content));
        }
        return o;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI uri(String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new FetchException(400, "invalid_request", "url is not a valid URI");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getRawUserInfo() != null) {
            throw new FetchException(400, "invalid_request", "url must be an absolute http or https URL without user info");
        }
        return u;
    }

    private static int port(URI u) {
        return u.getPort() > 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static byte[] body(JsonNode spec) {
        if (spec.hasNonNull("body_base64")) {
            try {
                return Base64.getDecoder().decode(spec.get("body_base64").asText());
            } catch (IllegalArgumentException e) {
                throw new FetchException(400, "invalid_request", "body_base64 is not base64");
            }
        }
        return spec.hasNonNull("body") ? spec.get("body").asText().getBytes(StandardCharsets.UTF_8) : new byte[0];
    }

    /**
     * Exfiltration check on the whole body: {@link Redactor#looksSecret} scans a bounded prefix, so
     * the body is scanned in overlapping windows (the overlap is longer than any secret pattern's
     * match, so none is split unseen). Header values are the caller's own credentials for the
     * destination and are not checked. The guard's detectors can replace this when they exist.
     */
    static void checkSecrets(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        for (int from = 0; from < text.length(); from += WINDOW - OVERLAP) {
            if (Redactor.looksSecret(text.substring(from, Math.min(text.length(), from + WINDOW)))) {
                throw new FetchException(403, "secret_in_request",
                        "the request body carries what looks like a secret (key, token or private key)");
            }
        }
    }

    private static final int WINDOW = 4096;
    private static final int OVERLAP = 512;
}
