package dev.waygate.approval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.ApprovalsConfig;
import dev.waygate.mcp.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the configured webhooks about each new approval, each on its own virtual thread: the
 * generic JSON payload or a Slack incoming-webhook one, with a signed link to the dashboard and a
 * signed body ({@link Signing}). A delivery that fails (no 2xx) is retried with exponential
 * backoff (1 s, 2 s, 4 s ... at most 60 s) up to the webhook's {@code max_attempts}; the outcome
 * is counted per webhook ({@link #status}) and logged by webhook name and host only, since a
 * webhook's URL (Slack's path) is itself a secret.
 */
public final class Webhooks {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(60);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<ApprovalsConfig.Webhook> hooks;
    private final Signing signing;
    private final Supplier<String> dashboard;
    /**
     * Made on the first delivery: building an {@link HttpClient} initialises TLS (the default
     * {@code SSLContext} and its trust store), which cost a large share of the gateway's start-up
     * although most configurations have no webhook.
     */
    private volatile HttpClient http;
    private final Map<String, Counters> counters = new ConcurrentHashMap<>();

    /** Per webhook: what happened so far. */
    private static final class Counters {
        long delivered;
        long failed;
        long retries;
        String lastError = "";
        String lastErrorAt = "";
        String lastDeliveredAt = "";
    }

    /** @param dashboard the dashboard's base URL (ending in {@code /dashboard/}), read when a payload is made */
    public Webhooks(List<ApprovalsConfig.Webhook> hooks, Signing signing, Supplier<String> dashboard) {
        this.hooks = List.copyOf(hooks);
        this.signing = signing;
        this.dashboard = dashboard;
        hooks.forEach(h -> counters.put(h.name(), new Counters()));
    }

    private HttpClient client() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                c = http;
                if (c == null) {
                    c = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
                    http = c;
                }
            }
        }
        return c;
    }

    /** Starts the deliveries of one new approval; returns at once. */
    public void announce(Approval a) {
        for (ApprovalsConfig.Webhook h : hooks) {
            Thread.ofVirtual().name("webhook-" + h.name()).start(() -> deliver(h, a));
        }
    }

    /** The signed dashboard link to an approval, valid until the approval expires. */
    public String link(Approval a) {
        return dashboard.get() + "?" + signing.linkQuery(a.id(), a.expiresAt());
    }

    byte[] payload(ApprovalsConfig.Webhook h, Approval a) {
        String link = link(a);
        ObjectNode body = Json.object();
        if (h.format() == ApprovalsConfig.Format.SLACK) {
            String text = "Approval needed: *" + slack(a.principal()) + "* wants to call `" + slack(a.tool())
                    + "` (rule " + slack(a.rule()) + ", risk " + a.risk().name().toLowerCase(java.util.Locale.ROOT)
                    + "). Expires " + a.expiresAt() + ". <" + link + "|Open in the Waygate dashboard>";
            body.put("text", text);
            ArrayNode blocks = body.putArray("blocks");
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", text);
        } else {
            body.put("event", "approval.requested");
            body.set("approval", a.toJson());
            body.put("link", link);
        }
        return Json.bytes(body);
    }

    /** Slack's mrkdwn control characters: &, <, > are escaped, so a tool name cannot make a link or mention. */
    static String slack(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private void deliver(ApprovalsConfig.Webhook h, Approval a) {
        byte[] body = payload(h, a);
        Duration wait = FIRST_RETRY;
        Counters c = counters.get(h.name());
        for (int attempt = 1; attempt <= h.maxAttempts(); attempt++) {
            String error;
            try {
                long t = Instant.now().getEpochSecond();
                HttpRequest req = HttpRequest.newBuilder(h.url()).timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .header("X-Waygate-Event", "approval.requested")
                        .header("X-Waygate-Signature", signing.bodySignature(t, body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                int status = client().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status / 100 == 2) {
                    synchronized (c) {
                        c.delivered++;
                        c.lastDeliveredAt = Instant.now().toString();
                    }
                    return;
                }
                error = "HTTP " + status;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                error = e.getClass().getSimpleName();
            }
            LOG.warn("approvals: webhook {} ({}) attempt {}/{} for {} failed: {}", h.name(), where(h.url()), attempt,
                    h.maxAttempts(), a.id(), error);
            synchronized (c) {
                c.lastError = error;
                c.lastErrorAt = Instant.now().toString();
                if (attempt == h.maxAttempts()) {
                    c.failed++;
                } else {
                    c.retries++;
                }
            }
            if (attempt < h.maxAttempts()) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                wait = wait.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait.multipliedBy(2);
            }
        }
    }

    private static String where(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    /** Per webhook: name, format, host, delivered, failed (gave up), retries, last error and when. */
    public ArrayNode status() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (ApprovalsConfig.Webhook h : hooks) {
            Counters c = counters.get(h.name());
            synchronized (c) {
                out.addObject().put("name", h.name()).put("format", h.format().name().toLowerCase(java.util.Locale.ROOT))
                        .put("target", where(h.url())).put("delivered", c.delivered).put("failed", c.failed)
                        .put("retries", c.retries).put("last_error", c.lastError).put("last_error_at", c.lastErrorAt)
                        .put("last_delivered_at", c.lastDeliveredAt);
            }
        }
        return out;
    }
}
