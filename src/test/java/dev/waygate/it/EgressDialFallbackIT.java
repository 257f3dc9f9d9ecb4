package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A CONNECT tunnel to a name with several addresses: the gateway dials them in the order the name
 * resolved to, each one checked, and falls back when one refuses. The names come from a hosts file
 * given to the gateway's JVM with the JDK's own {@code jdk.net.hosts.file} property (the system
 * resolver, no test hook in the gateway): {@code twoway.test} is 127.0.0.2 (nothing listens there)
 * then 127.0.0.1 (the echo server); {@code mixed.test} is 127.0.0.2 then 10.1.2.3, which no rule
 * allows; {@code down.test} is only 127.0.0.2.
 */
class EgressDialFallbackIT {
    static ServerSocket echo;
    static Thread echoing;
    static GatewayProcess gw;
    static int proxy;
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        echo = new ServerSocket(0, 50, InetAddress.ofLiteral("127.0.0.1"));
        echoing = Thread.ofVirtual().start(EgressDialFallbackIT::serveEcho);
        int port = echo.getLocalPort();
        proxy = GatewayFixture.freePort();
        GatewayFixture.Prepared p = GatewayFixture.prepare("""
                egress:
                  listen: 127.0.0.1:%d
                  source_principals: [ { from: 127.0.0.1, principal: local-agent, roles: [agent] } ]
                  rules:
                    - { name: local, domains: [twoway.test, mixed.test, down.test], ports: [%d], allow_cidrs: [127.0.0.0/8] }
                """.formatted(proxy, port));
        data = p.dir().resolve("data");
        Path hosts = p.dir().resolve("hosts");
        Files.writeString(hosts, """
                127.0.0.2 twoway.test
                127.0.0.1 twoway.test
                127.0.0.2 mixed.test
                10.1.2.3 mixed.test
                127.0.0.2 down.test
                """);
        gw = GatewayProcess.start(p, "egress-dial-fallback", List.of("-Djdk.net.hosts.file=" + hosts));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.stop();
        }
        echo.close();
    }

    /** Echoes every connection's bytes back until it closes. */
    static void serveEcho() {
        while (!echo.isClosed()) {
            try {
                Socket s = echo.accept();
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.getInputStream().transferTo(s.getOutputStream());
                    } catch (IOException ignored) {
                        // the client went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @Test
    void aRefusedFirstAddressFallsBackToTheNextCheckedOne() throws Exception {
        try (Socket s = connect("twoway.test")) {
            String head = head(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200");
            s.getOutputStream().write("through the tunnel\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] back = s.getInputStream().readNBytes("through the tunnel\n".length());
            assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("through the tunnel\n");
        }
        // The tunnel's audit entry (written when it closes) names the address actually reached.
        String target = "twoway.test:" + echo.getLocalPort();
        JsonNode entry = awaitAudit(e -> e.path("action").asText().equals("egress.connect")
                && e.path("target").asText().equals(target) && e.path("decision").asText().equals("allow"));
        assertThat(entry.at("/args/resolved").asText()).isEqualTo("127.0.0.1");
        assertThat(entry.at("/args/bytes_out").asLong()).isEqualTo("through the tunnel\n".length());
    }

    /** The first journal entry matching {@code wanted}, waiting for the asynchronous write (up to 30 s). */
    static JsonNode awaitAudit(java.util.function.Predicate<JsonNode> wanted) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (true) {
            try (var files = Files.list(data.resolve("audit"))) {
                for (Path f : files.filter(x -> x.getFileName().toString().startsWith("audit-")).sorted().toList()) {
                    for (String line : Files.readAllLines(f)) {
                        if (line.isBlank()) {
                            continue;
                        }
                        JsonNode e = dev.waygate.mcp.Json.MAPPER.readTree(line);
                        if (wanted.test(e)) {
                            return e;
                        }
                    }
                }
            }
            assertThat(System.nanoTime()).as("an audit entry within 30 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @Test
    void anAddressNoRuleAllowsDeniesTheWholeNameSoItIsNeverDialed() throws Exception {
        try (Socket s = connect("mixed.test")) {
            String head = head(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 403").containsIgnoringCase("private");
        }
    }

    @Test
    void whenNoCheckedAddressAnswersTheTunnelIsRefusedAsUnreachable() throws Exception {
        try (Socket s = connect("down.test")) {
            String head = head(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 502").contains("upstream_unreachable");
        }
    }

    static Socket connect(String host) throws IOException {
        Socket s = new Socket("127.0.0.1", proxy);
        s.setSoTimeout(30_000);
        String authority = host + ":" + echo.getLocalPort();
        s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    static String head(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!out.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            out.write(c);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
