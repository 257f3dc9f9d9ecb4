package dev.waygate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real authorization server, as far as a resource server can tell: a JDK HTTP server on loopback
 * publishing RFC 8414 metadata and a JWKS of keys generated here (RSA and EC), whose keys the test
 * can rotate, and a minting helper for tokens signed with them.
 */
public final class TestIssuer implements AutoCloseable {
    public static final String AUDIENCE = "http://127.0.0.1:8080/mcp";

    private final HttpServer server;
    private final AtomicInteger jwksFetches = new AtomicInteger();
    /** Path to response body; absent paths answer 404. */
    private final Map<String, String> documents = new ConcurrentHashMap<>();
    private volatile List<JWK> published;
    public final RSAKey rsa;
    public final ECKey ec;

    public TestIssuer() throws IOException, JOSEException {
        rsa = rsaKey("rsa-1");
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        published = List.of(rsa, ec);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
        documents.put("/.well-known/oauth-authorization-server",
                "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + jwksUri() + "\"}");
    }

    public static RSAKey rsaKey(String kid) throws JOSEException {
        return new RSAKeyGenerator(2048).keyID(kid).generate();
    }

    private void serve(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        String body;
        if (path.equals("/jwks")) {
            jwksFetches.incrementAndGet();
            body = new JWKSet(published).toPublicJWKSet().toString();
        } else {
            body = documents.get(path);
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(body == null ? 404 : 200, bytes.length == 0 ? -1 : bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public URI jwksUri() {
        return URI.create(issuer() + "/jwks");
    }

    public int jwksFetches() {
        return jwksFetches.get();
    }

    /** Replaces the published key set (rotation). */
    public void publish(JWK... keys) {
        published = List.of(keys);
    }

    /** Serves {@code body} at {@code path} (null removes it). */
    public void document(String path, String body) {
        if (body == null) {
            documents.remove(path);
        } else {
            documents.put(path, body);
        }
    }

    /** Claims of a valid token for the test audience: sub alice, roles [dev], expiring in 5 minutes. */
    public JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer()).audience(AUDIENCE).subject("alice")
                .claim("roles", List.of("dev")).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
    }

    public String rs256(JWTClaimsSet claims) {
        return sign(rsa, claims);
    }

    public String es256(JWTClaimsSet claims) {
        return sign(ec, claims);
    }

    public String rs256(Consumer<JWTClaimsSet.Builder> edit) {
        JWTClaimsSet.Builder b = claims();
        edit.accept(b);
        return rs256(b.build());
    }

    /** Signs with {@code key} (RS256 for RSA, ES256 for EC), its kid in the header. */
    public static String sign(JWK key, JWTClaimsSet claims) {
        try {
            JWSSigner signer = key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key);
            JWSAlgorithm alg = key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
