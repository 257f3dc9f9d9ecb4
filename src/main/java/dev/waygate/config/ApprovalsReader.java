package dev.waygate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code approvals:} section into {@link ApprovalsConfig}. */
final class ApprovalsReader {
    private static final Set<String> KEYS = Set.of("timeout", "medium_risk", "progress_interval", "max_similar",
            "dashboard_url", "webhooks", "retry_wait", "store");
    private static final Set<String> WEBHOOK_KEYS = Set.of("name", "url", "format", "max_attempts");

    private ApprovalsReader() {}

    static ApprovalsConfig read(Node n) {
        return read(n, java.nio.file.Path.of("."));
    }

    /** @param base what a relative {@code store} is resolved against (the configuration file's directory) */
    static ApprovalsConfig read(Node n, java.nio.file.Path base) {
        n.requireKeys(KEYS);
        Duration timeout = n.optional("timeout").map(Durations::parse).orElse(ApprovalsConfig.DEFAULT_TIMEOUT);
        boolean medium = n.optional("medium_risk").map(Node::asBoolean).orElse(false);
        Duration progress = n.optional("progress_interval").map(Durations::parse)
                .orElse(ApprovalsConfig.DEFAULT_PROGRESS_INTERVAL);
        Duration maxSimilar = n.optional("max_similar").map(Durations::parse).orElse(ApprovalsConfig.DEFAULT_MAX_SIMILAR);
        Optional<URI> dashboard = n.optional("dashboard_url").map(ApprovalsReader::httpUrl);
        List<ApprovalsConfig.Webhook> hooks = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (n.has("webhooks")) {
            List<Node> list = n.child("webhooks").asList();
            for (int i = 0; i < list.size(); i++) {
                ApprovalsConfig.Webhook w = webhook(list.get(i), i);
                if (!names.add(w.name())) {
                    throw list.get(i).child("name").error("webhook name '" + w.name() + "' is used twice");
                }
                hooks.add(w);
            }
        }
        Duration retryWait = n.optional("retry_wait").map(Durations::parse).orElse(ApprovalsConfig.DEFAULT_RETRY_WAIT);
        if (retryWait.compareTo(Duration.ofMinutes(1)) > 0) {
            throw n.child("retry_wait").error("retry_wait must be at most 1m (a retry holds its HTTP request this long)");
        }
        Optional<java.nio.file.Path> store = n.optional("store").map(Node::asString).map(p -> base.resolve(p).normalize());
        return new ApprovalsConfig(timeout, medium, progress, maxSimilar, dashboard, hooks, retryWait, store);
    }

    private static ApprovalsConfig.Webhook webhook(Node n, int index) {
        n.requireKeys(WEBHOOK_KEYS);
        String name = n.string("name").orElse("webhook-" + (index + 1));
        if (!name.matches("[A-Za-z0-9_.\\-]{1,64}")) {
            throw n.child("name").error("webhook names may use letters, digits, _ . - (1 to 64 characters)");
        }
        if (!n.has("url")) {
            throw n.child("url").error("is required");
        }
        URI url = httpUrl(n.child("url"));
        ApprovalsConfig.Format format = n.optional("format").map(f -> switch (f.asString()) {
            case "json" -> ApprovalsConfig.Format.JSON;
            case "slack" -> ApprovalsConfig.Format.SLACK;
            default -> throw f.error("must be json or slack");
        }).orElse(ApprovalsConfig.Format.JSON);
        int attempts = n.optional("max_attempts").map(a -> a.asInt(1, 20)).orElse(ApprovalsConfig.Webhook.DEFAULT_MAX_ATTEMPTS);
        return new ApprovalsConfig.Webhook(name, url, format, attempts);
    }

    private static URI httpUrl(Node n) {
        try {
            URI u = new URI(n.asString().trim());
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw n.error("must be an http or https URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw n.error("must be an http or https URL");
        }
    }
}
