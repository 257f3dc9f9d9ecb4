package dev.waygate.auth;

import dev.waygate.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * API keys: {@code wg_<id>_<secret>} where the secret is 32 random bytes (base64url). Only the
 * SHA-256 of the whole key is stored (the key has full entropy, so a slow hash buys nothing), and
 * it is compared in constant time.
 * <p>Usable keys are cached (hash and principal, never the key) so that a check does not read the
 * row. An entry is used only while nothing can have changed the row since it was read. This
 * process's own writes (revoke, rotate) move a generation counter: a key revoked here fails on its
 * very next request. Another process's commits (the CLI, another gateway on the same file) move
 * SQLite's {@code data_version}, which a check reads, reusing a value read no more than
 * {@link #VERSION_MAX_AGE} before (decision 0034): a key revoked there fails on every request
 * that begins more than that after the revoking commit.
 */
public final class KeyStore {
    static final String PREFIX = "wg_";
    private static final int ID_LENGTH = 10;
    private static final int SECRET_LENGTH = 43;
    private static final int CACHE_MAX = 10_000;
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final MessageDigest SHA256 = sha256();

    /** A usable key as read at ({@code dataVersion}, {@code generation}). */
    private record Cached(byte[] hash, Principal principal, Optional<Instant> expiresAt, long dataVersion, long generation) {
        /** Nothing can have changed the row since it was read. */
        boolean current(long gen, long version) {
            return generation == gen && dataVersion == version;
        }
    }

    /**
     * How late a check may see another process's commit to api_keys: a data_version read this
     * recently is not read again. Far below the time any revocation takes to reach another process
     * (a CLI's start alone takes hundreds of milliseconds); at thousands of checks a second it saves
     * most of the queries, and it lets an I/O thread check a cached key ({@link #authenticateCached}).
     */
    public static final java.time.Duration VERSION_MAX_AGE = java.time.Duration.ofMillis(100);

    private final Database db;
    private final long versionMaxAgeNanos;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
    /** Moved after every write this process makes to api_keys. */
    private final AtomicLong generation = new AtomicLong();

    public KeyStore(Database db) {
        this(db, VERSION_MAX_AGE);
    }

    /** With another bound than {@link #VERSION_MAX_AGE} (tests: zero reads data_version on every check). */
    public KeyStore(Database db, java.time.Duration versionMaxAge) {
        this.db = db;
        this.versionMaxAgeNanos = versionMaxAge.toNanos();
    }

    /** A new key and its record; the key is shown once and never stored. */
    public record Created(String key, ApiKey record) {}

    public Created create(String name, Set<String> roles, Optional<Instant> expiresAt) {
        if (!name.matches("[A-Za-z0-9_.@\\-]{1,64}")) {
            throw new IllegalArgumentException("key names may use letters, digits, _ . @ - (1 to 64 characters)");
        }
        for (String role : roles) {
            if (!role.matches("[A-Za-z0-9_.@:\\-]{1,64}")) {
                throw new IllegalArgumentException("role '" + role + "': roles may use letters, digits, _ . @ : - (1 to 64 characters)");
            }
        }
        char[] id = new char[10];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[RANDOM.nextInt(ID_CHARS.length)];
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String key = PREFIX + new String(id) + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        ApiKey rec = new ApiKey(new String(id), name, roles, Instant.now(), expiresAt, Optional.empty());
        db.with(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO api_keys(id, name, roles, hash, created_at, expires_at) VALUES (?,?,?,?,?,?)")) {
                ps.setString(1, rec.id());
                ps.setString(2, name);
                ps.setString(3, String.join(",", roles));
                ps.setString(4, hash(key));
                ps.setString(5, rec.createdAt().toString());
                ps.setString(6, expiresAt.map(Instant::toString).orElse(null));
                return ps.executeUpdate();
            }
        });
        return new Created(key, rec);
    }

    /** The principal of a presented key, if it is a valid, unexpired, unrevoked key. */
    public Optional<Principal> authenticate(String presented) {
        if (!wellFormed(presented)) {
            return Optional.empty();
        }
        String id = idIn(presented);
        byte[] presentedHash = hash(presented).getBytes(StandardCharsets.US_ASCII);
        long gen = generation.get();
        long version = db.dataVersion(versionMaxAgeNanos);
        Cached c = cache.get(id);
        if (c != null && c.current(gen, version)) {
            return usable(c, presentedHash);
        }
        return read(id, presentedHash, version, gen);
    }

    /**
     * What {@link #authenticate} would answer when it can be told without the database: the
     * principal of a cached, valid key while a recent data_version read confirms the entry; empty
     * otherwise (a key not cached, refused, or no recent read), which is no refusal: ask
     * {@link #authenticate}. Never blocks, so an I/O thread may call it.
     */
    public Optional<Principal> authenticateCached(String presented) {
        if (!wellFormed(presented)) {
            return Optional.empty();
        }
        long gen = generation.get();
        java.util.OptionalLong version = db.recentDataVersion(versionMaxAgeNanos);
        Cached c = cache.get(idIn(presented));
        if (version.isEmpty() || c == null || !c.current(gen, version.getAsLong())) {
            return Optional.empty();
        }
        return usable(c, hash(presented).getBytes(StandardCharsets.US_ASCII));
    }

    /** The id in a {@link #wellFormed} key (no split: this runs on every request). */
    private static String idIn(String key) {
        return key.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
    }

    private static Optional<Principal> usable(Cached c, byte[] presentedHash) {
        boolean usable = c.expiresAt().map(Instant.now()::isBefore).orElse(true);
        return MessageDigest.isEqual(presentedHash, c.hash()) && usable ? Optional.of(c.principal()) : Optional.empty();
    }

    private Optional<Principal> read(String id, byte[] presentedHash, long version, long gen) {
        return db.withStatement("SELECT name, roles, hash, expires_at, revoked_at FROM api_keys WHERE id = ?", ps -> {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.<Principal>empty();
                }
                byte[] stored = rs.getString("hash").getBytes(StandardCharsets.US_ASCII);
                Optional<Instant> expires = Optional.ofNullable(rs.getString("expires_at")).map(Instant::parse);
                boolean same = MessageDigest.isEqual(presentedHash, stored);
                boolean usable = rs.getString("revoked_at") == null && expires.map(Instant.now()::isBefore).orElse(true);
                if (!same || !usable) {
                    return Optional.<Principal>empty();
                }
                Principal p = new Principal(rs.getString("name"), roles(rs.getString("roles")), id);
                if (cache.size() >= CACHE_MAX) {
                    cache.clear();
                }
                cache.put(id, new Cached(stored, p, expires, version, gen));
                return Optional.of(p);
            }
        });
    }

    /** {@code wg_} + 10 of [a-z0-9] + {@code _} + 43 of base64url: checked by hand, it runs on every request. */
    static boolean wellFormed(String k) {
        if (k.length() != PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH || !k.startsWith(PREFIX)
                || k.charAt(PREFIX.length() + ID_LENGTH) != '_') {
            return false;
        }
        for (int i = PREFIX.length(); i < PREFIX.length() + ID_LENGTH; i++) {
            char ch = k.charAt(i);
            if (!(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9')) {
                return false;
            }
        }
        for (int i = PREFIX.length() + ID_LENGTH + 1; i < k.length(); i++) {
            char ch = k.charAt(i);
            if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-')) {
                return false;
            }
        }
        return true;
    }

    public List<ApiKey> list() {
        return db.with(c -> {
            List<ApiKey> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, name, roles, hash, created_at, expires_at, revoked_at FROM api_keys ORDER BY created_at, id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
            return out;
        });
    }

    /** Revokes by id or by the key's printed prefix ({@code wg_<id>}); returns false if there is no such key. */
    public boolean revoke(String idOrPrefix) {
        String id = idOf(idOrPrefix);
        return db.with(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
                ps.setString(1, Instant.now().toString());
                ps.setString(2, id);
                return ps.executeUpdate() == 1;
            } finally {
                generation.incrementAndGet();
            }
        });
    }

    /** The key's id from an id, a {@code wg_<id>} prefix or a whole key. */
    static String idOf(String idOrPrefix) {
        return idOrPrefix.startsWith(PREFIX) ? idOrPrefix.substring(PREFIX.length()).split("_", 2)[0] : idOrPrefix;
    }

    public Optional<ApiKey> find(String idOrPrefix) {
        String id = idOf(idOrPrefix);
        return list().stream().filter(k -> k.id().equals(id)).findFirst();
    }

    /**
     * Replaces a usable key with a new one for the same principal and roles. The old key keeps
     * working for {@code grace} (or until its own expiry, if sooner), so clients can switch over.
     * Empty when there is no usable key with that id.
     */
    public Optional<Created> rotate(String idOrPrefix, java.time.Duration grace) {
        Optional<ApiKey> old = find(idOrPrefix).filter(k -> k.usable(Instant.now()));
        if (old.isEmpty()) {
            return Optional.empty();
        }
        ApiKey k = old.get();
        Instant graceEnd = Instant.now().plus(grace);
        Instant oldExpiry = k.expiresAt().filter(e -> e.isBefore(graceEnd)).orElse(graceEnd);
        Created created = create(k.name(), k.roles(), k.expiresAt());
        db.with(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET expires_at = ? WHERE id = ?")) {
                ps.setString(1, oldExpiry.toString());
                ps.setString(2, k.id());
                return ps.executeUpdate();
            } finally {
                generation.incrementAndGet();
            }
        });
        return Optional.of(created);
    }

    /** Whether any key was ever created (the first start creates an admin key when none was). */
    public boolean isEmpty() {
        return db.with(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM api_keys LIMIT 1"); ResultSet rs = ps.executeQuery()) {
                return !rs.next();
            }
        });
    }

    private static Set<String> roles(String joined) {
        return joined.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(joined.split(",")));
    }

    private static ApiKey read(ResultSet rs) throws SQLException {
        Set<String> roleSet = roles(rs.getString("roles"));
        return new ApiKey(rs.getString("id"), rs.getString("name"), roleSet, Instant.parse(rs.getString("created_at")),
                Optional.ofNullable(rs.getString("expires_at")).map(Instant::parse),
                Optional.ofNullable(rs.getString("revoked_at")).map(Instant::parse));
    }

    static String hash(String key) {
        MessageDigest md;
        try {
            md = (MessageDigest) SHA256.clone();   // a clone skips the provider lookup of getInstance
        } catch (CloneNotSupportedException e) {
            md = sha256();
        }
        return HexFormat.of().formatHex(md.digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The prefix ({@code wg_<id>}) of a key named by id, prefix or (mistakenly) the whole key: never the secret. */
    public static String display(String idOrPrefix) {
        return PREFIX + idOf(idOrPrefix);
    }

    /** What identifies a key in logs: its prefix, never the secret. */
    public static String display(ApiKey k) {
        return PREFIX + k.id();
    }
}
