package dev.waygate.guard;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Credential-shaped test values, built at run time so that no file in the repository holds a string
 * a secret scanner (or GitHub push protection) would take for a real credential. None is real.
 */
public final class Fakes {
    static final String AWS = "AKIA" + "Z7QH3LXT5M2PWQ4R";
    static final String GHP = github("ghp_", "Xk29dLmQ0pVb7RtY3wZa1cE5fG8hJn");
    static final String JWT = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + b64("{\"sub\":\"1234567890\",\"name\":\"x\"}")
            + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    static final String PEM = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
            + "-----END RSA PRIVATE KEY-----";

    public static final Map<String, String> ALL = Map.ofEntries(
            Map.entry("aws", AWS),
            Map.entry("aws_pct", "AKIA" + "%5A7QH3LXT5M2PWQ4R"),
            Map.entry("ghp", GHP),
            Map.entry("github_pat", "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCD"),
            Map.entry("glpat", "glpat-" + "xK9mP2qR7sT4vW8yZ1aB"),
            Map.entry("slack", "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
            Map.entry("stripe", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
            Map.entry("google", "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"),
            Map.entry("jwt", JWT),
            Map.entry("pem", PEM),
            Map.entry("wg", "wg_" + "k3j9x0q2ab" + "_" + "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c"));

    private Fakes() {}

    /** A token in GitHub's format with a valid CRC32 checksum. */
    static String github(String prefix, String random30) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(random30.getBytes(StandardCharsets.US_ASCII));
        return prefix + random30 + Checksums.base62(crc.getValue(), 6);
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code text} with {@code ${name}} replaced by the fake of that name and {@code ${ROOT}} by {@code root}. */
    public static String expand(String text, String root) {
        String out = text.replace("${ROOT}", root);
        for (var e : ALL.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", e.getValue());
        }
        return out;
    }
}
