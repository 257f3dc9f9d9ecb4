package dev.waygate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.waygate.config.OAuthConfig;
import java.text.ParseException;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates JWT access tokens from the configured issuer with Nimbus, in this order (each step
 * refuses with its own {@link Rejection}):
 * <ol>
 *   <li>size and form: at most {@link #MAX_TOKEN_CHARS}, a compact JWS (unsigned {@code alg: none}
 *       and encrypted tokens are refused);</li>
 *   <li>algorithm: the header's {@code alg} must be one configured (asymmetric only, so an HS256
 *       token "signed" with the public key bytes is refused: algorithm confusion);</li>
 *   <li>{@code typ}: absent, {@code JWT} or {@code at+jwt} (RFC 9068);</li>
 *   <li>signature, by the issuer's key with the header's {@code kid} (an unknown kid re-fetches the
 *       JWKS, rate-limited);</li>
 *   <li>claims, only once the signature holds: {@code exp} required, {@code nbf} honoured, both
 *       with the clock skew; {@code iss} equal to the issuer; {@code aud} containing this gateway's
 *       resource identifier (RFC 8707: a token for another service is refused, so no token meant
 *       elsewhere is ever accepted, let alone passed on);</li>
 *   <li>the principal claim must be a non-empty string; roles come from the roles claim.</li>
 * </ol>
 */
public final class TokenVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);
    /** Real access tokens are 1-2 KB; Jetty refuses headers over 8 KB before we see them anyway. */
    public static final int MAX_TOKEN_CHARS = 8 * 1024;
    /** Header {@code typ} values of an access token: none, {@code JWT}, or RFC 9068's {@code at+jwt}. */
    private static final Set<JOSEObjectType> TYPES = java.util.Collections.unmodifiableSet(new java.util.HashSet<>(
            java.util.Arrays.asList(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null)));

    private final OAuthConfig config;
    private final Set<JWSAlgorithm> algorithms;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public TokenVerifier(OAuthConfig config) {
        this(config, new IssuerKeys(config));
    }

    TokenVerifier(OAuthConfig config, JWKSource<SecurityContext> keys) {
        this.config = config;
        this.algorithms = config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(TYPES));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        processor.setJWTClaimsSetVerifier(new ClaimsCheck(config));
    }

    /** The token's principal; throws {@link TokenRejectedException} saying why not. */
    public Principal verify(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new TokenRejectedException(Rejection.TOO_LARGE);
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw new TokenRejectedException(Rejection.MALFORMED);
        }
        if (!(jwt instanceof SignedJWT signed)) {
            // alg: none (PlainJWT) or an encrypted token: neither is a signed access token.
            throw new TokenRejectedException(Rejection.ALGORITHM);
        }
        if (!algorithms.contains(signed.getHeader().getAlgorithm())) {
            throw new TokenRejectedException(Rejection.ALGORITHM);
        }
        if (!TYPES.contains(signed.getHeader().getType())) {
            throw new TokenRejectedException(Rejection.BAD_TYPE);
        }
        try {
            signed.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw new TokenRejectedException(Rejection.MALFORMED);
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(signed, null);
        } catch (ClaimsCheck.Rejected e) {
            throw new TokenRejectedException(e.rejection());
        } catch (BadJWSException e) {
            throw new TokenRejectedException(Rejection.BAD_SIGNATURE);
        } catch (BadJOSEException e) {
            // Form, algorithm and type were checked above: no key with this kid and algorithm, even after a refresh.
            throw new TokenRejectedException(Rejection.UNKNOWN_KEY);
        } catch (RateLimitReachedException e) {
            // An unknown kid while the refresh budget is spent: the key is unknown for now.
            throw new TokenRejectedException(Rejection.UNKNOWN_KEY);
        } catch (KeySourceException e) {
            LOG.warn("oauth: signing keys of {} unavailable: {}", config.issuer(), e.getMessage());
            throw new TokenRejectedException(Rejection.KEYS_UNAVAILABLE);
        } catch (JOSEException | RuntimeException e) {
            throw new TokenRejectedException(Rejection.BAD_SIGNATURE);
        }
        return ClaimsCheck.principal(config, claims, signed.getHeader().getKeyID());
    }
}
