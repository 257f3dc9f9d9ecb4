package dev.waygate.front;

import dev.waygate.auth.Principal;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side dashboard sessions: a random cookie value names a session holding the principal and
 * its CSRF token. In memory (a restart logs everyone out). A session ends after
 * {@link #IDLE} without use or {@link #ABSOLUTE} after login, whichever is first; at most
 * {@link #MAX_SESSIONS} live at once (the oldest is dropped), so logins cannot exhaust memory.
 */
final class DashboardSessions {
    static final Duration IDLE = Duration.ofMinutes(30);
    static final Duration ABSOLUTE = Duration.ofHours(8);
    static final int MAX_SESSIONS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    record Session(String id, Principal principal, String csrf, Instant created, Instant lastUsed) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    Session create(Principal p) {
        Instant now = Instant.now();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().stream().min(java.util.Comparator.comparing(Session::lastUsed))
                    .ifPresent(s -> sessions.remove(s.id()));
        }
        Session s = new Session(token(), p, token(), now, now);
        sessions.put(s.id(), s);
        return s;
    }

    /** The live session this cookie value names, touched; empty when none or ended. */
    Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        Instant now = Instant.now();
        if (s == null) {
            return Optional.empty();
        }
        if (now.isAfter(s.lastUsed().plus(IDLE)) || now.isAfter(s.created().plus(ABSOLUTE))) {
            sessions.remove(id, s);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.principal(), s.csrf(), s.created(), now);
        sessions.replace(id, s, touched);
        return Optional.of(touched);
    }

    void end(String id) {
        sessions.remove(id);
    }

    /** Constant-time comparison of a presented CSRF token with the session's. */
    static boolean csrfMatches(Session s, String presented) {
        return presented != null && MessageDigest.isEqual(s.csrf().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                presented.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
