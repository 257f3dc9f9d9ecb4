package dev.waygate.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The user and password of an HTTP {@code Basic} credential (RFC 7617), as the egress proxy receives
 * them in {@code Proxy-Authorization}. Without a colon the whole value is the user and the password
 * is empty. Anything that is not Basic or not base64 is no credential.
 */
public record BasicCredentials(String user, String password) {
    public static Optional<BasicCredentials> parse(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        return Optional.of(colon < 0 ? new BasicCredentials(decoded, "")
                : new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return "BasicCredentials[user=" + user + ", password=(hidden)]";
    }
}
