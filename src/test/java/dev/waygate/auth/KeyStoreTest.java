package dev.waygate.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.waygate.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** API keys: format, verification against the stored hash, revocation and expiry. */
class KeyStoreTest {
    static final String KEY_FORM = "wg_[a-z0-9]{10}_[A-Za-z0-9_-]{43}";

    @TempDir
    Path dataDir;
    Database db;
    KeyStore keys;

    @BeforeEach
    void open() {
        db = Database.open(dataDir);
        keys = new KeyStore(db);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aCreatedKeyHasTheDocumentedFormAndAuthenticates() {
        KeyStore.Created created = keys.create("ci-bot", Set.of("dev", "ops"), Optional.empty());

        assertThat(created.key()).matches(KEY_FORM).startsWith("wg_" + created.record().id() + "_");
        assertThat(KeyStore.display(created.record())).isEqualTo("wg_" + created.record().id());
        assertThat(keys.authenticate(created.key()))
                .contains(new Principal("ci-bot", Set.of("dev", "ops"), created.record().id()));
    }

    @Test
    void keysAreDistinct() {
        Set<String> seen = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            KeyStore.Created c = keys.create("k" + i, Set.of(), Optional.empty());
            seen.add(c.key());
            ids.add(c.record().id());
        }

        assertThat(seen).hasSize(50);
        assertThat(ids).hasSize(50);
    }

    @Test
    void theKeyItselfIsNeverStored() throws Exception {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());
        // wg_ + 10-character id + _ + the secret; the secret's own alphabet includes '_'
        String secret = c.key().substring(KeyStore.PREFIX.length() + 11);
        assertThat(secret).hasSize(43);

        try (Stream<Path> files = Files.list(dataDir)) {
            for (Path f : files.toList()) {
                assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as(f.toString()).doesNotContain(secret);
            }
        }
    }

    @Test
    void aKeySurvivesReopeningTheStore() {
        KeyStore.Created c = keys.create("ci-bot", Set.of("dev"), Optional.empty());
        db.close();

        db = Database.open(dataDir);

        assertThat(new KeyStore(db).authenticate(c.key())).map(Principal::name).contains("ci-bot");
    }

    static Stream<Arguments> tamperings() {
        return Stream.of(
                argumentSet("last secret character changed", (UnaryOperator<String>) k -> k.substring(0, k.length() - 1)
                        + (k.endsWith("A") ? "B" : "A")),
                argumentSet("first secret character changed", (UnaryOperator<String>) k -> {
                    int i = KeyStore.PREFIX.length() + 11;
                    return k.substring(0, i) + (k.charAt(i) == 'A' ? 'B' : 'A') + k.substring(i + 1);
                }),
                argumentSet("secret of all zeros", (UnaryOperator<String>) k -> k.substring(0, 14) + "A".repeat(43)),
                argumentSet("id changed", (UnaryOperator<String>) k -> "wg_" + (k.charAt(3) == 'a' ? 'b' : 'a') + k.substring(4)),
                argumentSet("upper-case prefix", (UnaryOperator<String>) k -> "WG" + k.substring(2)),
                argumentSet("upper-case id", (UnaryOperator<String>) k -> "wg_" + k.substring(3, 13).toUpperCase() + k.substring(13)),
                argumentSet("one character longer", (UnaryOperator<String>) k -> k + "A"),
                argumentSet("one character shorter", (UnaryOperator<String>) k -> k.substring(0, k.length() - 1)),
                argumentSet("leading space", (UnaryOperator<String>) k -> " " + k),
                argumentSet("trailing newline", (UnaryOperator<String>) k -> k + "\n"),
                argumentSet("trailing NUL", (UnaryOperator<String>) k -> k + "\u0000"),
                argumentSet("padding appended", (UnaryOperator<String>) k -> k + "="),
                argumentSet("standard base64 alphabet", (UnaryOperator<String>) k -> k.replace('-', '+').replace('_', '/')
                        .replaceFirst("^wg/", "wg_")),
                argumentSet("unicode lookalike in the secret", (UnaryOperator<String>) k -> k.substring(0, k.length() - 1) + "А"),
                argumentSet("fullwidth digit in the id", (UnaryOperator<String>) k -> "wg_\uFF10" + k.substring(4)),
                argumentSet("key twice", (UnaryOperator<String>) k -> k + k));
    }

    @ParameterizedTest
    @MethodSource("tamperings")
    void aTamperedKeyIsRefused(UnaryOperator<String> tamper) {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());

        String tampered = tamper.apply(c.key());

        assertThat(tampered).isNotEqualTo(c.key());
        assertThat(keys.authenticate(tampered)).isEmpty();
        assertThat(keys.authenticate(c.key())).isPresent();
    }

    @Test
    void anotherKeysSecretWithThisIdIsRefused() {
        KeyStore.Created a = keys.create("alice", Set.of("admin"), Optional.empty());
        KeyStore.Created b = keys.create("bob", Set.of(), Optional.empty());
        String aId = a.key().substring(0, 14);
        String bSecret = b.key().substring(14);

        assertThat(keys.authenticate(aId + bSecret)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "wg_", "wg__", "wg_0123456789_", "' OR 1=1 --", "wg_' OR 1=1 --_" + "A",
            "wg_abcdefghij_' OR '1'='1' --                          ", "wg_abcdefghij'; DROP TABLE api_keys; --",
            "wg_%_%", "wg_*_*", "Bearer wg_abcdefghij_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "wg_abcdefghij_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "ключ", "🔑🔑🔑", "\u0000"})
    void malformedOrUnknownKeysAreRefused(String presented) {
        keys.create("ci-bot", Set.of(), Optional.empty());

        assertThat(keys.authenticate(presented)).isEmpty();
        assertThat(keys.list()).hasSize(1);
    }

    @Test
    void aVeryLongKeyIsRefused() {
        assertThat(keys.authenticate("wg_" + "a".repeat(1_000_000))).isEmpty();
    }

    @Test
    void aRevokedKeyIsRefusedOnTheNextRequest() {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());
        assertThat(keys.authenticate(c.key())).isPresent();

        assertThat(keys.revoke(c.record().id())).isTrue();

        assertThat(keys.authenticate(c.key())).isEmpty();
        assertThat(keys.list()).singleElement().satisfies(k -> assertThat(k.revokedAt()).isPresent());
    }

    @Test
    void aKeyRevokedByAnotherProcessIsRefusedOnTheNextRequestThoughItWasCached() {
        KeyStore exact = new KeyStore(db, Duration.ZERO);   // data_version read on every check
        KeyStore.Created c = exact.create("ci-bot", Set.of(), Optional.empty());
        for (int i = 0; i < 3; i++) {
            assertThat(exact.authenticate(c.key())).as("served from the cache after the first check").isPresent();
        }
        revokeFromAnotherProcess(c);

        assertThat(exact.authenticate(c.key())).isEmpty();
    }

    @Test
    void aKeyRevokedByAnotherProcessIsRefusedOnceTheBoundHasPassed() throws InterruptedException {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());
        assertThat(keys.authenticate(c.key())).isPresent();
        revokeFromAnotherProcess(c);
        long revoked = System.nanoTime();

        Thread.sleep(KeyStore.VERSION_MAX_AGE.plusMillis(1));   // the bound is the contract: wait it out

        assertThat(System.nanoTime() - revoked).isGreaterThan(KeyStore.VERSION_MAX_AGE.toNanos());
        assertThat(keys.authenticate(c.key())).isEmpty();
        assertThat(keys.authenticateCached(c.key())).isEmpty();
    }

    @Test
    void theCachedCheckAnswersOnlyWhatTheFullCheckWould() {
        KeyStore patient = new KeyStore(db, Duration.ofMinutes(1));   // no read goes out of date during the test
        KeyStore.Created c = patient.create("ci-bot", Set.of("dev"), Optional.empty());
        KeyStore.Created other = patient.create("other", Set.of(), Optional.empty());
        assertThat(patient.authenticateCached(c.key())).as("not checked yet: the cache cannot tell").isEmpty();

        assertThat(patient.authenticate(c.key())).isPresent();

        assertThat(patient.authenticateCached(c.key())).map(Principal::name).contains("ci-bot");
        assertThat(patient.authenticateCached(other.key())).as("never checked, so not cached").isEmpty();
        String wrongSecret = c.key().substring(0, c.key().length() - 1) + (c.key().endsWith("A") ? "B" : "A");
        assertThat(patient.authenticateCached(wrongSecret)).isEmpty();
        assertThat(patient.authenticateCached("wg_not_a_key")).isEmpty();
        assertThat(patient.revoke(c.record().id())).isTrue();
        assertThat(patient.authenticateCached(c.key())).as("revoked by this process: at once").isEmpty();
    }

    @Test
    void theCachedCheckNeverAnswersFromAReadOlderThanTheBound() {
        KeyStore exact = new KeyStore(db, Duration.ZERO);
        KeyStore.Created c = exact.create("ci-bot", Set.of(), Optional.empty());
        assertThat(exact.authenticate(c.key())).isPresent();

        assertThat(exact.authenticateCached(c.key())).as("no read is recent enough for a zero bound").isEmpty();
    }

    private void revokeFromAnotherProcess(KeyStore.Created c) {
        // The CLI: its own connection to the same file.
        try (Database cli = Database.open(dataDir)) {
            assertThat(new KeyStore(cli).revoke(KeyStore.display(c.record()))).isTrue();
        }
    }

    @Test
    void aKeyRotatedWithoutGraceIsRefusedOnTheNextRequestThoughItWasCached() {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());
        assertThat(keys.authenticate(c.key())).isPresent();

        Optional<KeyStore.Created> next = keys.rotate(c.record().id(), Duration.ZERO);

        assertThat(next).isPresent();
        assertThat(keys.authenticate(c.key())).isEmpty();
        assertThat(keys.authenticate(next.get().key())).map(Principal::name).contains("ci-bot");
    }

    @Test
    void aCachedKeyStillNeedsItsWholeSecret() {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());
        assertThat(keys.authenticate(c.key())).isPresent();
        char last = c.key().charAt(c.key().length() - 1);
        String wrongSecret = c.key().substring(0, c.key().length() - 1) + (last == 'A' ? 'B' : 'A');

        assertThat(keys.authenticate(wrongSecret)).isEmpty();
        assertThat(keys.authenticate(c.key())).isPresent();
    }

    @Test
    void revokingByPrefixOrWholeKeyWorksAndOnlyOnce() {
        KeyStore.Created a = keys.create("a", Set.of(), Optional.empty());
        KeyStore.Created b = keys.create("b", Set.of(), Optional.empty());
        KeyStore.Created other = keys.create("other", Set.of(), Optional.empty());

        assertThat(keys.revoke(KeyStore.display(a.record()))).isTrue();
        assertThat(keys.revoke(b.key())).isTrue();
        assertThat(keys.revoke(a.record().id())).as("already revoked").isFalse();

        assertThat(keys.authenticate(a.key())).isEmpty();
        assertThat(keys.authenticate(b.key())).isEmpty();
        assertThat(keys.authenticate(other.key())).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "wg_", "nosuchid00", "' OR 1=1 --", "%", "wg_%"})
    void revokingAnUnknownKeyRevokesNothing(String idOrPrefix) {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());

        assertThat(keys.revoke(idOrPrefix)).isFalse();
        assertThat(keys.authenticate(c.key())).isPresent();
    }

    @Test
    void anExpiredKeyIsRefused() {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.of(Instant.now().minusSeconds(1)));

        assertThat(keys.authenticate(c.key())).isEmpty();
    }

    @Test
    void aKeyBeforeItsExpiryAuthenticates() {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.of(Instant.now().plus(Duration.ofHours(1))));

        assertThat(keys.authenticate(c.key())).isPresent();
    }

    @Test
    void usableIsFalseFromTheExpiryInstantOn() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        ApiKey k = new ApiKey("abcdefghij", "n", Set.of(), t.minusSeconds(60), Optional.of(t), Optional.empty());

        assertThat(k.usable(t.minusMillis(1))).isTrue();
        assertThat(k.usable(t)).isFalse();
        assertThat(k.usable(t.plusSeconds(1))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "name,with,commas", "tab\t", "new\nline", "ключ", "a'--",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void keyNamesAreValidated(String name) {
        assertThatThrownBy(() -> keys.create(name, Set.of(), Optional.empty())).isInstanceOf(IllegalArgumentException.class);
        assertThat(keys.list()).isEmpty();
    }

    @Test
    void aKeyNameOf64CharactersIsAccepted() {
        assertThat(keys.create("x".repeat(64), Set.of(), Optional.empty()).record().name()).hasSize(64);
    }

    /**
     * Roles are stored comma-joined. A role containing a comma must not come back as two roles: a
     * role "dev,admin" would otherwise authenticate as both dev and admin.
     */
    @Test
    void aRoleIsNeverSplitIntoSeveralRoles() {
        KeyStore.Created c;
        try {
            c = keys.create("ci-bot", Set.of("dev,admin"), Optional.empty());
        } catch (IllegalArgumentException refused) {
            return;
        }

        assertThat(keys.authenticate(c.key())).map(Principal::roles).contains(Set.of("dev,admin"));
    }

    @Test
    void aKeyWithoutRolesHasNone() {
        KeyStore.Created c = keys.create("ci-bot", Set.of(), Optional.empty());

        assertThat(keys.authenticate(c.key())).map(Principal::roles).contains(Set.of());
    }
}
