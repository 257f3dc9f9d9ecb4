package dev.waygate.auth;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import dev.waygate.config.OAuthConfig;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Nimbus' claims verifier decides (exp required, nbf honoured, iss exact, aud containing this
 * gateway, clock skew); this class only names the reason of a refusal so the client gets a useful,
 * non-leaking message, and maps claims to a principal.
 */
final class ClaimsCheck extends DefaultJWTClaimsVerifier<SecurityContext> {
    /** A refusal with its reason; thrown from inside Nimbus' processor. */
    static final class Rejected extends BadJWTException {
        private final transient Rejection rejection;

        Rejected(Rejection rejection) {
            super(rejection.description());
            this.rejection = rejection;
        }

        Rejection rejection() {
            return rejection;
        }
    }

    private final OAuthConfig config;

    ClaimsCheck(OAuthConfig config) {
        super(Set.of(config.audience()), new JWTClaimsSet.Builder().issuer(config.issuer().toString()).build(),
                Set.of("exp", "iss", "aud"), Set.of());
        setMaxClockSkew((int) config.clockSkew().toSeconds());
        this.config = config;
    }

    @Override
    public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
        try {
            super.verify(claims, context);
        } catch (BadJWTException e) {
            throw new Rejected(reason(claims));
        }
    }

    private Rejection reason(JWTClaimsSet claims) {
        Instant now = Instant.now();
        long skew = getMaxClockSkew();
        if (!config.issuer().toString().equals(claims.getIssuer())) {
            return Rejection.WRONG_ISSUER;
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(config.audience())) {
            return Rejection.WRONG_AUDIENCE;
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            return Rejection.MISSING_CLAIMS;
        }
        if (exp.toInstant().plusSeconds(skew).isBefore(now)) {
            return Rejection.EXPIRED;
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.toInstant().minusSeconds(skew).isAfter(now)) {
            return Rejection.NOT_YET_VALID;
        }
        return Rejection.MISSING_CLAIMS;
    }

    /** Name from the principal claim, roles from the roles claim, key id {@code jwt:<kid>}. */
    static Principal principal(OAuthConfig config, JWTClaimsSet claims, String kid) {
        Object name = at(claims, config.principalClaim());
        if (!(name instanceof String s) || s.isBlank()) {
            throw new TokenRejectedException(Rejection.NO_PRINCIPAL);
        }
        return new Principal(s, roles(at(claims, config.rolesClaim())), "jwt:" + (kid == null ? "-" : kid));
    }

    /** A list of strings, or a space-separated string (as OAuth's {@code scope}); anything else is no roles. */
    static Set<String> roles(Object value) {
        Set<String> out = new LinkedHashSet<>();
        if (value instanceof String s) {
            for (String r : s.trim().split("\\s+")) {
                if (!r.isEmpty()) {
                    out.add(r);
                }
            }
        } else if (value instanceof Collection<?> list) {
            for (Object o : list) {
                if (o instanceof String r && !r.isBlank()) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** The claim at a dotted path ({@code realm_access.roles}); a claim whose own name has a dot wins. */
    static Object at(JWTClaimsSet claims, String path) {
        Object direct = claims.getClaim(path);
        if (direct != null || !path.contains(".")) {
            return direct;
        }
        Object cur = claims.getClaims();
        for (String part : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(part);
        }
        return cur;
    }
}
