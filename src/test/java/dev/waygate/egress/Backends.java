package dev.waygate.egress;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real servers on loopback for egress tests: an HTTP echo (method, path, headers as text; also
 * {@code /bytes/N}, {@code /redirect?to=URL}, {@code /set-cookie?VALUE}), the same over HTTPS with a certificate for
 * {@code localhost} from a CA made here (PEM written for curl and Node), and a TCP echo.
 */
final class Backends implements AutoCloseable {
    final HttpServer http;
    final HttpsServer https;
    final ServerSocket echo;
    final Path caPem;
    final SSLContext clientTls;
    /** Every request line the HTTP servers saw, to prove a smuggled request never arrived. */
    final List<String> seen = new CopyOnWriteArrayList<>();

    Backends(Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair caKeys = g.generateKeyPair();
        KeyPair leafKeys = g.generateKeyPair();
        X500Name caName = new X500Name("CN=Waygate Test CA");
        Date from = new Date(System.currentTimeMillis() - 60_000), to = new Date(System.currentTimeMillis() + 86_400_000);
        var caBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName, caKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate ca = cert(caBuilder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        var leafBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, from, to, new X500Name("CN=localhost"),
                leafKeys.getPublic()).addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate leaf = cert(leafBuilder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        caPem = dir.resolve("ca.pem");
        try (var w = new JcaPEMWriter(Files.newBufferedWriter(caPem))) {
            w.writeObject(ca);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("leaf", leafKeys.getPrivate(), new char[0], new X509Certificate[] {leaf, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        InetSocketAddress lo = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        http = HttpServer.create(lo, 200);
        https = HttpsServer.create(lo, 200);
        https.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        for (var s : List.of(http, https)) {
            s.createContext("/", this::echo);
            s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            s.start();
        }
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::tcpEcho);
    }

    private static X509Certificate cert(org.bouncycastle.cert.X509CertificateHolder h) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(h);
    }

    int httpPort() {
        return http.getAddress().getPort();
    }

    int httpsPort() {
        return https.getAddress().getPort();
    }

    int echoPort() {
        return echo.getLocalPort();
    }

    private void echo(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        seen.add(x.getRequestMethod() + " " + x.getRequestURI());
        byte[] reqBody = x.getRequestBody().readAllBytes();
        if (path.startsWith("/bytes/")) {
            int n = Integer.parseInt(path.substring(7));
            x.sendResponseHeaders(200, n);
            try (OutputStream o = x.getResponseBody()) {
                byte[] chunk = new byte[8192];
                for (int left = n; left > 0; left -= chunk.length) {
                    o.write(chunk, 0, Math.min(left, chunk.length));
                }
            }
            return;
        }
        if (path.equals("/redirect")) {
            x.getResponseHeaders().add("Location", x.getRequestURI().getQuery().substring(3));
            x.sendResponseHeaders(302, -1);
            x.close();
            return;
        }
        if (path.equals("/set-cookie")) {
            x.getResponseHeaders().add("Set-Cookie", "session=" + x.getRequestURI().getQuery() + "; Path=/");
        }
        StringBuilder sb = new StringBuilder(x.getRequestMethod() + " " + x.getRequestURI() + "\n");
        x.getRequestHeaders().forEach((k, v) -> sb.append(k.toLowerCase()).append(": ").append(String.join(",", v)).append('\n'));
        sb.append("body: ").append(new String(reqBody, StandardCharsets.UTF_8)).append('\n');
        byte[] out = sb.toString().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Connection", "X-Hop");
        x.getResponseHeaders().add("X-Hop", "must-not-pass");
        x.getResponseHeaders().add("Content-Type", "text/plain");
        x.sendResponseHeaders(200, out.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(out);
        }
    }

    private void tcpEcho() {
        while (!echo.isClosed()) {
            try {
                Socket s = echo.accept();
                Thread.ofVirtual().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                    } catch (IOException ignored) {
                        // the client went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        http.stop(0);
        https.stop(0);
        echo.close();
    }
}
