package dev.waygate.sandbox;

import dev.waygate.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identity of a {@code network: egress} server at Waygate's egress proxy, so that egress rules
 * with {@code principals: [server:NAME]} apply to that server alone (decision 0024).
 * <p>Each start of a sandboxed server mints a fresh random secret (256 bits). It exists only in
 * this process's memory and in the server's environment, as the userinfo of its proxy variables
 * ({@code http://NAME:SECRET@127.0.0.1:3128}), which is how curl, Python, Go and undici send
 * {@code Proxy-Authorization: Basic}. It is never written to disk, a log or a command line. The
 * registry keeps only its SHA-256, so a lookup compares digests and the secret cannot be read back.
 * A credential is revoked when its server stops.
 * <p>The principal is {@code server:NAME}: API key names cannot contain a colon, so no key can
 * be mistaken for a server; and the egress proxy refuses a key or token whose principal starts with
 * {@value #PREFIX}, so only a minted credential gives one. Process-wide, like {@link SandboxHost}:
 * one gateway runs per process, and the secret's randomness, not the registry, keeps servers apart.
 */
public final class ServerCredentials {
    /** Principals of sandboxed servers start with it; nothing else may produce such a name. */
    public static final String PREFIX = "server:";
    /** The role every server principal has, so that one egress rule can cover all sandboxed servers. */
    public static final String ROLE = "sandboxed_server";
    /** 32 random bytes in unpadded base64url. */
    static final int SECRET_CHARS = 43;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** SHA-256 of a secret (hex) → the server's name. */
    private static final Map<String, String> ACTIVE = new ConcurrentHashMap<>();

    private ServerCredentials() {}

    /** A minted credential; {@link #close} revokes it. Its {@code toString} never shows the secret. */
    public static final class Credential implements AutoCloseable {
        private final String server;
        private final String secret;
        private final String digest;

        private Credential(String server, String secret) {
            this.server = server;
            this.secret = secret;
            this.digest = digest(secret);
        }

        public String server() {
            return server;
        }

        /** {@code NAME:SECRET}, the userinfo of the server's proxy URL. Server names are [A-Za-z0-9_-]: nothing to escape. */
        public String userinfo() {
            return server + ":" + secret;
        }

        /** {@code text} with the secret blanked out: for a server's own output, which may echo its proxy variables. */
        public String redact(String text) {
            return text.contains(secret) ? text.replace(secret, "[redacted]") : text;
        }

        @Override
        public void close() {
            ACTIVE.remove(digest, server);
        }

        @Override
        public String toString() {
            return "credential of server:" + server;
        }
    }

    /** Mints and registers a credential for one start of {@code server}. */
    public static Credential mint(String server) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        Credential c = new Credential(server, Base64.getUrlEncoder().withoutPadding().encodeToString(b));
        ACTIVE.put(c.digest, server);
        return c;
    }

    /**
     * The server principal a {@code Proxy-Authorization} header proves, if it carries a live server
     * credential; empty for anything else (an API key, a token, garbage), which the caller checks as usual.
     */
    public static Optional<Principal> fromProxyAuthorization(String header) {
        if (ACTIVE.isEmpty()) {
            return Optional.empty();
        }
        return dev.waygate.auth.BasicCredentials.parse(header).filter(c -> !c.user().isEmpty())
                .flatMap(c -> principal(c.user(), c.password()));
    }

    /**
     * The server principal that {@code user:password} (from {@code Proxy-Authorization: Basic}) proves:
     * the password must be a live credential minted for the server the user names.
     */
    public static Optional<Principal> principal(String user, String password) {
        if (password.length() != SECRET_CHARS || ACTIVE.isEmpty()) { // cheap: an API key has another length
            return Optional.empty();
        }
        String server = ACTIVE.get(digest(password));
        if (server == null || !server.equals(user)) {
            return Optional.empty();
        }
        return Optional.of(new Principal(PREFIX + server, Set.of(ROLE), "sandbox:" + server));
    }

    /** Whether a principal name is in the servers' part of the namespace (only a minted credential gives one). */
    public static boolean isServerName(String principal) {
        return principal.startsWith(PREFIX);
    }

    private static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }
}
