package dev.waygate.egress;

/**
 * How a refusal reaches a proxy client: the one mapping from reason code to HTTP status.
 * The reason is also sent in {@code X-Waygate-Reason}, the audit entry and the metric label.
 */
public final class Refusal {
    public static final String HEADER = "X-Waygate-Reason";

    private Refusal() {}

    public static int status(String reason) {
        return switch (reason) {
            case "unauthenticated", "invalid_api_key" -> 407;
            case "rate_limited", "tunnel_limit" -> 429;
            case "audit_unavailable", "auth_unavailable" -> 503;
            case "bad_target", "use_connect" -> 400;
            case "upstream_unreachable" -> 502;
            case "connect_timeout" -> 504;
            default -> 403;
        };
    }

    /** One line for the client. */
    public static String message(String reason, String rule) {
        String by = rule.isEmpty() ? "" : " (rule '" + rule + "')";
        return switch (reason) {
            case "no_rule" -> "no egress rule allows this destination";
            case "rate_limited" -> "rate limit exceeded" + by;
            case "tunnel_limit" -> "too many open tunnels for this principal";
            case "unauthenticated" -> "proxy authentication required: Proxy-Authorization: Basic with an API key as password";
            case "invalid_api_key" -> "unknown, expired or revoked API key";
            case "audit_unavailable" -> "the audit log is unavailable; nothing is let through";
            case "use_connect" -> "send https through a CONNECT tunnel";
            case "bad_target" -> "not a proxy request: use absolute-form (GET http://host/path) or CONNECT host:port";
            default -> "egress denied: " + reason + by;
        };
    }
}
