package dev.waygate.auth;

/**
 * Why a presented credential was refused. The code is stable (client error, log line, metric
 * label); the description is short and general: it never echoes the token or a claim's value.
 *
 * @param code        e.g. {@code token_expired}
 * @param description e.g. "token expired"
 * @param unavailable the credential could not be checked (the issuer's keys could not be fetched):
 *                    HTTP 503, not the client's fault
 */
public record Rejection(String code, String description, boolean unavailable) {
    static Rejection invalid(String code, String description) {
        return new Rejection(code, description, false);
    }

    public static final Rejection BAD_API_KEY = invalid("invalid_api_key", "unknown, expired or revoked API key");
    public static final Rejection MALFORMED = invalid("token_malformed", "token is not a well-formed signed JWT");
    public static final Rejection TOO_LARGE = invalid("token_malformed", "token too large");
    public static final Rejection ALGORITHM = invalid("token_algorithm_not_allowed", "token signing algorithm not accepted");
    public static final Rejection BAD_TYPE = invalid("token_malformed", "token type not accepted");
    public static final Rejection UNKNOWN_KEY = invalid("token_unknown_key", "token signed with an unknown key");
    public static final Rejection BAD_SIGNATURE = invalid("token_bad_signature", "token signature invalid");
    public static final Rejection EXPIRED = invalid("token_expired", "token expired");
    public static final Rejection NOT_YET_VALID = invalid("token_not_yet_valid", "token not yet valid");
    public static final Rejection WRONG_ISSUER = invalid("token_wrong_issuer", "token issuer not accepted");
    public static final Rejection WRONG_AUDIENCE = invalid("token_wrong_audience", "token audience does not name this gateway");
    public static final Rejection MISSING_CLAIMS = invalid("token_invalid_claims", "token lacks a required claim");
    public static final Rejection NO_PRINCIPAL = invalid("token_invalid_claims", "token does not name a principal");
    public static final Rejection KEYS_UNAVAILABLE = new Rejection("auth_unavailable",
            "the issuer's signing keys cannot be fetched; try again later", true);
}
