package dev.waygate.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.audit.AuditEvent;
import dev.waygate.audit.AuditLog;
import dev.waygate.auth.Authenticator;
import dev.waygate.auth.KeyStore;
import dev.waygate.config.GatewayConfig;
import dev.waygate.config.HostPort;
import dev.waygate.net.Cidr;
import dev.waygate.net.Resolver;
import dev.waygate.store.Database;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the proxy keeps between requests must not carry one request's rights to the next: upstream
 * connections are reused (kept alive, pooled), client connections are kept alive, and neither may
 * let a cookie, a principal, an old rule or an old DNS answer through. A real proxy listener, a real
 * origin (JDK HttpServer) and raw sockets as the client; the DNS is a table the test changes (the
 * only way to make a name "rebind" on loopback).
 */
class EgressReuseTest {
    @TempDir
    Path dir;
    Database db;
    Backends origin;
    Egress egress;
    String alice;
    String bob;
    final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    final Map<String, List<InetAddress>> dns = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        db = Database.open(dir);
        KeyStore keys = new KeyStore(db);
        alice = keys.create("alice", Set.of(), Optional.empty()).key();
        bob = keys.create("bob", Set.of(), Optional.empty()).key();
        origin = new Backends(dir);
        dns.put("origin.test", List.of(InetAddress.getLoopbackAddress()));
        Resolver resolver = host -> {
            List<InetAddress> a = dns.get(host);
            if (a == null) {
                throw new UnknownHostException(host);
            }
            return a;
        };
        AuditLog log = new AuditLog() {
            @Override
            public void record(AuditEvent event) {
                audited.add(event);
            }

            @Override
            public Optional<String> unavailable() {
                return Optional.empty();
            }
        };
        egress = new Egress(config(rule("origin", Set.of())), new Authenticator(GatewayConfig.AuthMode.API_KEY, keys, Optional.empty()),
                log, new dev.waygate.metrics.Metrics(), resolver);
        egress.start();
    }

    @AfterEach
    void stop() throws Exception {
        egress.close();
        origin.close();
        db.close();
    }

    EgressRule rule(String name, Set<String> principals) {
        return new EgressRule(name, List.of(DomainPattern.parse("origin.test")), Set.of(origin.httpPort()), Set.of(), Set.of(),
                List.of(), principals, Set.of(), Optional.empty(), true, EgressRule.Mode.ENFORCE, List.of(Cidr.parse("127.0.0.0/8")));
    }

    static EgressConfig config(EgressRule... rules) {
        return new EgressConfig(new HostPort("127.0.0.1", 0), new RuleSet(List.of(rules), RuleSet.Unmatched.DENY, "test"),
                EgressConfig.Limits.DEFAULTS, List.of());
    }

    @Test
    void aCookieTheOriginSetsForOnePrincipalNeverReachesTheOriginOnAnotherRequest() throws Exception {
        try (Client a = new Client(); Client b = new Client()) {
            Reply set = a.get("/set-cookie?alice-secret", alice);
            assertThat(set.status()).isEqualTo(200);
            assertThat(set.head()).contains("set-cookie: session=alice-secret"); // the client gets it, as from the origin
            Reply other = b.get("/hello", bob);
            assertThat(other.status()).isEqualTo(200);
            assertThat(other.body()).doesNotContain("cookie").doesNotContain("alice-secret");
            // nor does the proxy act as a cookie jar for the same principal: cookies are the client's to send
            Reply same = a.get("/again", alice);
            assertThat(same.body()).doesNotContain("alice-secret");
            Reply own = b.get("/own", bob, "Cookie: mine=1");
            assertThat(own.body()).contains("cookie: mine=1").doesNotContain("alice-secret");
        }
    }

    @Test
    void theRequestReachesTheOriginAsTheAgentSentItWithoutAddedEncodings() throws Exception {
        try (Client c = new Client()) {
            Reply r = c.get("/plain", alice);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).startsWith("get /plain\n").doesNotContain("accept-encoding").doesNotContain("proxy-authorization");
            assertThat(c.get("/zipped", alice, "Accept-Encoding: identity").body()).contains("accept-encoding: identity\n");
        }
    }

    @Test
    void eachRequestOnAKeptAliveConnectionIsIdentifiedAndJudgedAgain() throws Exception {
        egress.reload(config(rule("alice-only", Set.of("alice"))));
        try (Client c = new Client()) {
            assertThat(c.get("/first", alice).status()).isEqualTo(200);
            Reply asBob = c.get("/second", bob);
            assertThat(asBob.status()).isEqualTo(403);
            assertThat(asBob.head()).contains(Refusal.HEADER.toLowerCase(Locale.ROOT) + ": no_rule");
        }
        try (Client c = new Client()) {
            assertThat(c.get("/third", alice).status()).isEqualTo(200);
            egress.reload(config(rule("bob-only", Set.of("bob"))));
            Reply after = c.get("/fourth", alice);
            assertThat(after.status()).isEqualTo(403);
        }
        assertThat(origin.seen).contains("GET /first", "GET /third").doesNotContain("GET /second", "GET /fourth");
    }

    @Test
    void aNameThatRebindsToAPrivateAddressIsRefusedThoughAConnectionToItsOldAddressIsOpen() throws Exception {
        egress.reload(config(new EgressRule("public-or-loopback-1", List.of(DomainPattern.parse("origin.test")),
                Set.of(origin.httpPort()), Set.of(), Set.of(), List.of(), Set.of(), Set.of(), Optional.empty(), true,
                EgressRule.Mode.ENFORCE, List.of(Cidr.parse("127.0.0.1/32")))));
        try (Client c = new Client()) {
            assertThat(c.get("/before", alice).status()).isEqualTo(200);
            dns.put("origin.test", List.of(InetAddress.ofLiteral("10.1.2.3")));
            Reply rebound = c.get("/after", alice);
            assertThat(rebound.status()).isEqualTo(403);
            assertThat(rebound.head()).contains(": private");
        }
        try (Client c = new Client()) {
            dns.put("origin.test", List.of(InetAddress.ofLiteral("169.254.169.254")));
            assertThat(c.get("/metadata", bob).status()).isEqualTo(403);
        }
        assertThat(origin.seen).contains("GET /before").doesNotContain("GET /after", "GET /metadata");
    }

    @Test
    void aNameThatMovesToAnotherAllowedAddressIsDialedThereNotOverTheOldConnection() throws Exception {
        try (Client c = new Client()) {
            assertThat(c.get("/before", alice).status()).isEqualTo(200);
            // 127.0.0.2 passes the rule's allow_cidrs, but nothing listens there: the request must be
            // dialed anew at that address (and fail), not sent over the open connection to 127.0.0.1.
            dns.put("origin.test", List.of(InetAddress.ofLiteral("127.0.0.2")));
            Reply moved = c.get("/moved", alice);
            assertThat(moved.status()).isEqualTo(502);
        }
        assertThat(origin.seen).contains("GET /before").doesNotContain("GET /moved");
    }

    /**
     * A request from a configured source address to a numeric address is handled on the thread that
     * read it (nothing in it can block): it is still identified, judged, forwarded with its body,
     * refused after a rule change on the same connection, and audited.
     */
    @Test
    void theNonBlockingPathIdentifiesJudgesForwardsAndAuditsLikeTheOther() throws Exception {
        EgressRule local = new EgressRule("local", List.of(DomainPattern.parse("127.0.0.1")), Set.of(origin.httpPort()), Set.of(),
                Set.of(), List.of(), Set.of("local-agent"), Set.of(), Optional.empty(), true, EgressRule.Mode.ENFORCE,
                List.of(Cidr.parse("127.0.0.0/8")));
        EgressConfig withSource = new EgressConfig(new HostPort("127.0.0.1", 0), new RuleSet(List.of(local), RuleSet.Unmatched.DENY, "t"),
                EgressConfig.Limits.DEFAULTS, List.of(new EgressConfig.SourcePrincipal(Cidr.parse("127.0.0.1/32"), "local-agent", Set.of())));
        Egress bySource = new Egress(withSource, new Authenticator(GatewayConfig.AuthMode.API_KEY, new KeyStore(db), Optional.empty()),
                new AuditLog() {
                    @Override
                    public void record(AuditEvent event) {
                        audited.add(event);
                    }

                    @Override
                    public Optional<String> unavailable() {
                        return Optional.empty();
                    }
                }, new dev.waygate.metrics.Metrics(), host -> {
                    throw new UnknownHostException("no lookups on this path: " + host);
                });
        bySource.start();
        String at = "127.0.0.1:" + origin.httpPort();
        try (Client c = new Client(bySource)) {
            Reply post = c.send("POST", at, "/inline", null, "hello body");
            assertThat(post.status()).isEqualTo(200);
            assertThat(post.body()).startsWith("post /inline\n").contains("body: hello body");
            assertThat(c.send("GET", at, "/inline-2", null, "").status()).isEqualTo(200);
            bySource.reload(new EgressConfig(withSource.listen(), RuleSet.DENY_ALL, withSource.limits(), withSource.sourcePrincipals()));
            Reply denied = c.send("GET", at, "/inline-3", null, "");
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.head()).contains(": no_rule");
        }
        try (Client c = new Client(bySource)) {
            Reply obfuscated = c.send("GET", "2130706433:" + origin.httpPort(), "/x", null, "");
            assertThat(obfuscated.status()).isEqualTo(403);
            assertThat(obfuscated.head()).contains(": no_rule"); // refused without a lookup (the resolver throws)
        } finally {
            bySource.close();
        }
        assertThat(origin.seen).contains("POST /inline", "GET /inline-2").doesNotContain("GET /inline-3", "GET /x");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (audited.stream().filter(e -> e.action().equals(EgressEvents.REQUEST)).count() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(audited).filteredOn(e -> e.action().equals(EgressEvents.REQUEST))
                .extracting(e -> e.principal() + " " + e.decision())
                .containsExactlyInAnyOrder("local-agent ALLOW", "local-agent ALLOW", "local-agent DENY", "local-agent DENY");
    }

    /** A response: status, head (lower-cased header lines), body. */
    record Reply(int status, String head, String body) {}

    /** One kept-alive connection to the proxy, speaking HTTP/1.1 by hand. */
    final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;

        Client() throws IOException {
            this(egress);
        }

        Client(Egress proxy) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
            socket.setSoTimeout(20_000);
            in = socket.getInputStream();
        }

        Reply get(String path, String key, String... headers) throws IOException {
            return send("GET", "origin.test:" + origin.httpPort(), path, key, "", headers);
        }

        /** One request in absolute form; {@code key} null sends no credential. */
        Reply send(String method, String authority, String path, String key, String body, String... headers) throws IOException {
            StringBuilder r = new StringBuilder(method + " http://" + authority + path + " HTTP/1.1\r\nHost: " + authority + "\r\n");
            if (key != null) {
                String auth = Base64.getEncoder().encodeToString(("x:" + key).getBytes(StandardCharsets.UTF_8));
                r.append("Proxy-Authorization: Basic ").append(auth).append("\r\n");
            }
            for (String h : headers) {
                r.append(h).append("\r\n");
            }
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            if (content.length > 0) {
                r.append("Content-Length: ").append(content.length).append("\r\n");
            }
            socket.getOutputStream().write(r.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            String head = line();
            int status = Integer.parseInt(head.split(" ")[1]);
            long length = -1;
            StringBuilder all = new StringBuilder();
            for (String l = line(); !l.isEmpty(); l = line()) {
                String lower = l.toLowerCase(Locale.ROOT);
                all.append(lower).append('\n');
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).trim());
                }
            }
            byte[] answer = length >= 0 ? in.readNBytes((int) length) : in.readAllBytes();
            return new Reply(status, all.toString(), new String(answer, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT));
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed mid-response");
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
