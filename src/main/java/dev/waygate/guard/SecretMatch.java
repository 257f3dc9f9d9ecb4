package dev.waygate.guard;

/**
 * One credential found in a string: where, of which kind, and how sure the scanner is. Carries
 * positions, never the value, so it can be logged and audited.
 *
 * @param kind  stable name used in the redaction marker, e.g. {@code aws-access-key}
 * @param start first char (inclusive)
 * @param end   last char (exclusive)
 */
public record SecretMatch(String kind, int start, int end, Confidence confidence) {
    /**
     * {@code VERIFIED}: a checksum or structure confirms it (GitHub CRC32, a JWT header that is JSON,
     * a private key block). {@code SHAPE}: it has the provider's exact form. {@code WEAK}: the form
     * also occurs in ordinary text ({@code Bearer authentication}, {@code ?key=name}, AWS's
     * {@code ...EXAMPLE} keys): the audit log still hides it, the guards do not act on it.
     */
    public enum Confidence { VERIFIED, SHAPE, WEAK }

    public boolean actionable() {
        return confidence != Confidence.WEAK;
    }
}
