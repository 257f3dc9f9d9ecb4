package dev.waygate.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.it.GatewayFixture;
import dev.waygate.mcp.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Large transfers through a real gateway's CONNECT tunnel, once relayed by the kernel (splice,
 * decision 0032) and once by the Java relay ({@code waygate.egress.splice=false}): what arrives is
 * what was sent (SHA-256 of pseudo-random bytes), the audit entry counts every byte each way, and
 * a close from either side in the middle of a transfer ends the tunnel, audited, its slot given
 * back; the idle time-out closes a quiet tunnel and spares a slow one. The origin is a TCP server
 * of this test: {@code down N SEED} sends N bytes, {@code up} reads to the end and answers the
 * count and digest, {@code cut N} reads N bytes and closes, {@code slow N MS} sends N KiB slowly,
 * {@code echo} sends back what it reads.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EgressBulkIT {
    static final int MIB = 1 << 20;
    static final int CHUNK = 64 * 1024;
    static ServerSocket origin;
    /** API keys made so far, by gateway and principal. */
    static final java.util.Map<String, String> keys = new java.util.concurrent.ConcurrentHashMap<>();
    static GatewayFixture spliced;
    static GatewayFixture javaRelay;

    @BeforeAll
    static void start() throws Exception {
        origin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(EgressBulkIT::serveOrigin);
        spliced = gateway(true, 2, "2s");
        javaRelay = gateway(false, 2, "2s");
    }

    static GatewayFixture gateway(boolean splice, int tunnelsPerPrincipal, String idleTimeout) throws Exception {
        System.setProperty(TunnelHandler.SPLICE_PROPERTY, Boolean.toString(splice));
        try {
            return GatewayFixture.start("""
                    egress:
                      listen: 127.0.0.1:0
                      default: deny
                      limits: { max_tunnels_per_principal: %d, idle_timeout: %s }
                      rules:
                        - { name: bulk, domains: [127.0.0.1], ports: [%d], allow_cidrs: [127.0.0.0/8] }
                    """.formatted(tunnelsPerPrincipal, idleTimeout, origin.getLocalPort()));
        } finally {
            System.clearProperty(TunnelHandler.SPLICE_PROPERTY);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        origin.close();
        spliced.close();
        javaRelay.close();
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"})
    void spliceIsAvailableOnLinuxWithTheBuildsJvmOptions() {
        // What the jar's manifest and the surefire argLine give: the export of sun.nio.ch and native access.
        assertThat(LinuxSplice.get()).isPresent();
    }

    @ParameterizedTest(name = "spliced={0}")
    @ValueSource(booleans = {true, false})
    void aDownloadArrivesIntactAndIsCountedExactly(boolean splice) throws Exception {
        GatewayFixture gw = splice ? spliced : javaRelay;
        String who = "down-" + splice;
        long n = 128L * MIB;
        String command = "down " + n + " 42\n";
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        try (Socket s = tunnel(gw, who)) {
            s.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
            long read = 0;
            byte[] buf = new byte[CHUNK];
            InputStream in = s.getInputStream();
            boolean looked = false;
            for (int r; (r = in.read(buf)) > 0; ) {
                got.update(buf, 0, r);
                read += r;
                if (!looked && read >= 16L * MIB) {
                    looked = true;
                    assertThat(relayThreads(s)).as("threads splicing this tunnel").isEqualTo(splice && LinuxSplice.get().isPresent());
                }
            }
            assertThat(read).isEqualTo(n);
        }
        assertThat(HexFormat.of().formatHex(got.digest())).isEqualTo(digest(n, 42));
        JsonNode entry = auditEntry(gw, who);
        assertThat(entry.path("decision").asText()).isEqualTo("allow");
        assertThat(entry.findValue("bytes_in").asLong()).isEqualTo(n);
        assertThat(entry.findValue("bytes_out").asLong()).isEqualTo(command.length());
        assertThat(activeTunnels(gw, who)).isZero();
    }

    @ParameterizedTest(name = "spliced={0}")
    @ValueSource(booleans = {true, false})
    void anUploadArrivesIntactAndTheAnswerComesBackAfterTheClientHalfCloses(boolean splice) throws Exception {
        GatewayFixture gw = splice ? spliced : javaRelay;
        String who = "up-" + splice;
        long n = 64L * MIB;
        String answer;
        try (Socket s = tunnel(gw, who)) {
            OutputStream out = s.getOutputStream();
            out.write("up\n".getBytes(StandardCharsets.US_ASCII));
            generate(n, 7, out::write);
            s.shutdownOutput();
            answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
        assertThat(answer).isEqualTo(n + " " + digest(n, 7));
        JsonNode entry = auditEntry(gw, who);
        assertThat(entry.findValue("bytes_out").asLong()).isEqualTo(3 + n);
        assertThat(entry.findValue("bytes_in").asLong()).isEqualTo(answer.length() + 1);
        assertThat(activeTunnels(gw, who)).isZero();
    }

    @ParameterizedTest(name = "spliced={0}")
    @ValueSource(booleans = {true, false})
    void theClientClosingMidDownloadEndsTheTunnel(boolean splice) throws Exception {
        GatewayFixture gw = splice ? spliced : javaRelay;
        String who = "client-closes-" + splice;
        long n = 64L * 1024 * MIB; // far more than is read
        try (Socket s = tunnel(gw, who)) {
            s.getOutputStream().write(("down " + n + " 1\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().readNBytes(8 * MIB)).hasSize(8 * MIB);
        }
        JsonNode entry = auditEntry(gw, who);
        assertThat(entry.findValue("bytes_in").asLong()).isBetween(8L * MIB, n - 1);
        assertThat(activeTunnels(gw, who)).isZero();
        assertTwoTunnelsOpen(gw, who); // both slots are free again
    }

    @ParameterizedTest(name = "spliced={0}")
    @ValueSource(booleans = {true, false})
    void theOriginClosingMidUploadEndsTheTunnel(boolean splice) throws Exception {
        GatewayFixture gw = splice ? spliced : javaRelay;
        String who = "origin-closes-" + splice;
        long cut = 4L * MIB;
        try (Socket s = tunnel(gw, who)) {
            s.getOutputStream().write(("cut " + cut + "\n").getBytes(StandardCharsets.US_ASCII));
            // Writing goes on until the tunnel is gone: the write fails or the end of the stream comes.
            assertThatThrownBy(() -> generate(64L * 1024 * MIB, 3, s.getOutputStream()::write)).isInstanceOf(IOException.class);
        }
        JsonNode entry = auditEntry(gw, who);
        assertThat(entry.findValue("bytes_out").asLong()).isGreaterThanOrEqualTo(cut).isLessThan(64L * 1024 * MIB);
        assertThat(activeTunnels(gw, who)).isZero();
        assertTwoTunnelsOpen(gw, who);
    }

    @ParameterizedTest(name = "spliced={0}")
    @ValueSource(booleans = {true, false})
    void anIdleTunnelIsClosedAfterTheIdleTimeout(boolean splice) throws Exception {
        GatewayFixture gw = splice ? spliced : javaRelay;
        String who = "idle-" + splice;
        long t0 = System.nanoTime();
        try (Socket s = tunnel(gw, who)) {
            assertThat(s.getInputStream().read()).as("the end of the stream").isEqualTo(-1);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        JsonNode entry = auditEntry(gw, who);
        assertThat(entry.findValue("bytes_in").asLong()).isZero();
        assertThat(activeTunnels(gw, who)).isZero();
    }

    @ParameterizedTest(name = "spliced={0}")
    @ValueSource(booleans = {true, false})
    void aTransferLongerThanTheIdleTimeoutIsNotCut(boolean splice) throws Exception {
        GatewayFixture gw = splice ? spliced : javaRelay;
        String who = "trickle-" + splice;
        try (Socket s = tunnel(gw, who)) {
            // 1 KiB every 400 ms for 4.8 s: the server side is busy, the client's side only receives.
            s.getOutputStream().write("slow 12 400\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().readAllBytes()).hasSize(12 * 1024);
        }
        assertThat(auditEntry(gw, who).findValue("bytes_in").asLong()).isEqualTo(12 * 1024);
    }

    /** Where splice runs ({@link #spliceIsAvailableOnLinuxWithTheBuildsJvmOptions} makes sure it does). */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"})
    void beyondTheSplicedTunnelBoundTunnelsUseTheJavaRelayAndTheBoundFreesUp() throws Exception {
        try (GatewayFixture gw = gateway(true, 1000, "5m")) {
            List<Socket> open = new ArrayList<>();
            try {
                Socket onJava = null;
                // Tunnels of other tests may still hold a spliced slot: at most MAX_TUNNELS are spliced.
                while (onJava == null && open.size() <= SplicedTunnel.MAX_TUNNELS) {
                    Socket s = tunnel(gw, "many");
                    open.add(s);
                    echo(s, 1);
                    if (!relayThreads(s)) {
                        onJava = s;
                    }
                }
                assertThat(onJava).as("a tunnel on the Java relay once " + SplicedTunnel.MAX_TUNNELS + " are spliced").isNotNull();
                echo(onJava, MIB);
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
            assertThat(activeTunnels(gw, "many")).isZero();
            try (Socket s = tunnel(gw, "many")) {
                echo(s, MIB);
                assertThat(relayThreads(s)).as("spliced again once the others ended").isTrue();
            }
        }
    }

    // ---- the client side -------------------------------------------------------------------

    /** A socket through an admitted CONNECT tunnel to the origin, as principal {@code who}. */
    static Socket tunnel(GatewayFixture gw, String who) throws Exception {
        String key = keys.computeIfAbsent(gw.hashCode() + who, k -> gw.createKey(who, "agent"));
        Socket s = new Socket("127.0.0.1", gw.gateway().egress().orElseThrow().port());
        s.setSoTimeout(60_000);
        String target = "127.0.0.1:" + origin.getLocalPort();
        s.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: "
                + EgressIT.basic(who, key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(EgressIT.readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
        return s;
    }

    /** The principal's tunnel limit (2) is free again: two tunnels open at once and work. */
    static void assertTwoTunnelsOpen(GatewayFixture gw, String who) throws Exception {
        try (Socket a = tunnel(gw, who); Socket b = tunnel(gw, who)) {
            for (Socket s : new Socket[] {a, b}) {
                s.getOutputStream().write("down 1000 5\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(s.getInputStream().readAllBytes()).hasSize(1000);
            }
        }
    }

    /**
     * Sends {@code n} pseudo-random bytes through the origin's echo (starting it on first use) and
     * checks that they come back; afterwards the tunnel has relayed data both ways.
     */
    static void echo(Socket s, int n) throws Exception {
        byte[] b = new byte[n];
        new SplittableRandom(n).nextBytes(b);
        OutputStream out = s.getOutputStream();
        if (!echoing.contains(s)) {
            out.write("echo\n".getBytes(StandardCharsets.US_ASCII));
            echoing.add(s);
        }
        var sent = CompletableFuture.runAsync(() -> {
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(s.getInputStream().readNBytes(n)).isEqualTo(b);
        sent.get();
    }

    static final java.util.Set<Socket> echoing = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Whether threads splice the tunnel of client socket {@code s} (they are named after its address). */
    static boolean relayThreads(Socket s) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("egress-splice-") && t.getName().endsWith(":" + s.getLocalPort()));
    }

    /** The tunnel's audit entry (written when it ends), waited for. */
    static JsonNode auditEntry(GatewayFixture gw, String who) throws Exception {
        String admin = keys.computeIfAbsent(gw.hashCode() + "/admin", k -> gw.createKey("ops", "admin"));
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.base() + "/audit?principal=" + who
                    + "&format=jsonl&limit=50")).header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
            Optional<String> e = r.body().lines().filter(l -> l.contains(EgressEvents.TUNNEL)).findFirst();
            if (e.isPresent()) {
                return Json.parse(e.get());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + EgressEvents.TUNNEL + " entry for " + who);
    }

    /** The principal's open tunnels as /proxy/stats counts them, once the count has settled. */
    static long activeTunnels(GatewayFixture gw, String who) throws Exception {
        String admin = keys.computeIfAbsent(gw.hashCode() + "/admin", k -> gw.createKey("ops", "admin"));
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long open;
        do {
            var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.base() + "/proxy/stats"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
            open = Json.parse(r.body()).at("/principals/" + who + "/active_tunnels").asLong();
            if (open != 0) {
                Thread.sleep(100);
            }
        } while (open != 0 && System.nanoTime() < end);
        return open;
    }

    // ---- the origin ------------------------------------------------------------------------

    interface Sink {
        void write(byte[] b, int off, int len) throws IOException;
    }

    /** {@code n} pseudo-random bytes from {@code seed}, in chunks of {@link #CHUNK}. */
    static void generate(long n, long seed, Sink sink) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[CHUNK];
        for (long left = n; left > 0; left -= b.length) {
            r.nextBytes(b);
            sink.write(b, 0, (int) Math.min(b.length, left));
        }
    }

    static String digest(long n, long seed) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        generate(n, seed, d::update);
        return HexFormat.of().formatHex(d.digest());
    }

    static void serveOrigin() {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            while (!origin.isClosed()) {
                Socket s = origin.accept();
                pool.execute(() -> answer(s));
            }
        } catch (IOException e) {
            // closed: the tests are over
        }
    }

    static void answer(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            String[] cmd = readLine(in).split(" ");
            OutputStream out = s.getOutputStream();
            switch (cmd[0]) {
                case "down" -> generate(Long.parseLong(cmd[1]), Long.parseLong(cmd[2]), out::write);
                case "up" -> {
                    MessageDigest d = MessageDigest.getInstance("SHA-256");
                    long count = 0;
                    byte[] b = new byte[CHUNK];
                    for (int r; (r = in.read(b)) > 0; count += r) {
                        d.update(b, 0, r);
                    }
                    out.write((count + " " + HexFormat.of().formatHex(d.digest()) + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                case "cut" -> in.readNBytes(Integer.parseInt(cmd[1]));
                case "echo" -> in.transferTo(out);
                case "slow" -> {
                    for (int i = 0; i < Integer.parseInt(cmd[1]); i++) {
                        Thread.sleep(Long.parseLong(cmd[2]));
                        out.write(new byte[1024]);
                        out.flush();
                    }
                }
                default -> {
                    // no command: the tunnel closed before one came (the idle test); nothing to answer
                }
            }
        } catch (Exception e) {
            // the client went away mid-transfer: what some tests do on purpose
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            sb.append((char) c);
        }
        return sb.toString();
    }
}
