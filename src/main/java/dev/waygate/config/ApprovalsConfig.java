package dev.waygate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code approvals:} section: how the approval gate waits and whom it tells. Absent: every
 * default below (five minutes, medium risk passes, no webhooks). Who may approve is per policy rule
 * ({@code approval:} on the rule, see {@link dev.waygate.policy.RuleApproval}).
 *
 * @param timeout          a pending approval not decided within this is expired and the call refused
 * @param mediumRisk       also hold calls of {@code risk: medium} rules (default false: they pass)
 * @param progressInterval how often a waiting call sends {@code notifications/progress} (when its client
 *                         gave a progress token)
 * @param maxSimilar       the longest "approve similar calls for N minutes" an approver may grant
 * @param dashboardUrl     the dashboard's address as people reach it (links in webhooks); empty: the
 *                         listen address
 * @param webhooks         told about each new approval; empty: none
 * @param retryWait        how long a 2026-07-28 client's retry of a call whose approval is still pending
 *                         waits for the decision before it is answered {@code input_required} again
 *                         (the multi-round-trip form of the gate, decision 0025)
 * @param store            a directory whose database holds the approvals, shared by gateway instances
 *                         (a decision taken at one is seen by the retry at another); empty: the data directory's
 */
public record ApprovalsConfig(Duration timeout, boolean mediumRisk, Duration progressInterval, Duration maxSimilar,
                              Optional<URI> dashboardUrl, List<Webhook> webhooks, Duration retryWait,
                              Optional<java.nio.file.Path> store) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(15);
    public static final Duration DEFAULT_MAX_SIMILAR = Duration.ofHours(1);
    public static final Duration DEFAULT_RETRY_WAIT = Duration.ofSeconds(10);
    public static final ApprovalsConfig DEFAULTS = new ApprovalsConfig(DEFAULT_TIMEOUT, false,
            DEFAULT_PROGRESS_INTERVAL, DEFAULT_MAX_SIMILAR, Optional.empty(), List.of());

    public ApprovalsConfig {
        webhooks = List.copyOf(webhooks);
    }

    /** Without the multi-round-trip settings: their defaults (retry wait 10 s, the data directory's store). */
    public ApprovalsConfig(Duration timeout, boolean mediumRisk, Duration progressInterval, Duration maxSimilar,
                           Optional<URI> dashboardUrl, List<Webhook> webhooks) {
        this(timeout, mediumRisk, progressInterval, maxSimilar, dashboardUrl, webhooks, DEFAULT_RETRY_WAIT, Optional.empty());
    }

    /**
     * One outgoing webhook.
     *
     * @param name        shown in status and logs (the URL may hold a secret, e.g. Slack's path, so it never is)
     * @param url         http or https
     * @param format      {@code json} (generic) or {@code slack} (incoming-webhook payload)
     * @param maxAttempts deliveries tried before the approval's webhook is marked failed
     */
    public record Webhook(String name, URI url, Format format, int maxAttempts) {
        public static final int DEFAULT_MAX_ATTEMPTS = 5;
    }

    public enum Format { JSON, SLACK }
}
