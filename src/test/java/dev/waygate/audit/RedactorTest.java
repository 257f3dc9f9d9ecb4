package dev.waygate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RedactorTest {
    final Redactor redactor = new Redactor(List.of("customer-ssn"));

    /** Secret-shaped values: each must be gone from the summary, whatever key it sits under. */
    @ParameterizedTest
    @ValueSource(strings = {
            "wg_abcdef0123_QmFzZTY0U2VjcmV0VmFsdWUxMjM0NTY3ODkw",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
            "curl -H 'Authorization: Bearer abcdefghijklmnop' https://api.example.com",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
            "AKIAIOSFODNN7EXAMPLE",
            "aws key AKIAIOSFODNN7EXAMPLE in prose",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123",
            "github_pat_11AAAAAAA0123456789_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ0123",
            "glpat-abcdefghij1234567890",
            "xoxb-1234567890-abcdefghij",
            "sk_live_abcdefghijklmnop1234",
            "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA",
            "postgres://admin:hunter2@db.internal:5432/prod",
            "https://api.example.com/v1?access_token=abcdef123456&x=1",
            "Basic YWxhZGRpbjpvcGVuc2VzYW1l"})
    void secretShapedValuesAreRedacted(String secret) {
        JsonNode out = redactor.summary(Json.object().put("text", secret));
        assertThat(out.path("text").asText()).isEqualTo(Redactor.REDACTED);
        assertThat(Json.write(out)).doesNotContain(secret.substring(Math.min(6, secret.length() - 1)));
    }

    /** Secret-named keys: the value goes whatever it is (string, number, object). */
    @ParameterizedTest
    @ValueSource(strings = {"password", "Password", "db_password", "passwd", "secret", "client_secret", "clientSecret",
            "token", "access_token", "accessToken", "refreshToken", "api_key", "apiKey", "x-api-key", "API_KEY", "apikey",
            "authorization", "Authorization", "auth", "credentials", "aws_credentials", "cookie", "Set-Cookie", "key",
            "private_key", "privateKey", "ssh_private_key", "session_id", "passphrase", "customer_ssn", "CUSTOMER-SSN"})
    void secretNamedKeysAreRedacted(String key) throws Exception {
        ObjectNode in = Json.object();
        in.put(key, "plain-looking value 12345");
        in.putObject("nested").put(key, 1234);
        in.putObject("whole").set(key, Json.parse("{\"user\":\"bob\",\"pw\":\"x\"}"));
        String out = Json.write(redactor.summary(in));
        assertThat(out).doesNotContain("plain-looking").doesNotContain("1234").doesNotContain("bob");
    }

    /** Ordinary arguments pass through unchanged. */
    @Test
    void benignArgumentsSurvive() throws Exception {
        JsonNode in = Json.parse("""
                {"message":"hello world","path":"/home/user/project/README.md","query":"select * from users where id = 7",
                 "max_tokens":256,"keyword":"monkey","author":"Ada","url":"https://example.com/docs?page=2&sort=asc",
                 "count":3,"enabled":true,"ratio":0.5,"nothing":null,"sha":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
                 "uuid":"123e4567-e89b-12d3-a456-426614174000","email":"ada@example.com","tags":["a","b"],
                 "description":"explains how tokens are counted and why passwords must be rotated"}""");
        assertThat(redactor.summary(in)).isEqualTo(in);
    }

    @Test
    void boundsStringsArraysObjectsAndDepth() throws Exception {
        ObjectNode in = Json.object();
        in.put("long", "x".repeat(10_000));
        var arr = in.putArray("many");
        for (int i = 0; i < 100; i++) {
            arr.add(i);
        }
        ObjectNode wide = in.putObject("wide");
        for (int i = 0; i < 80; i++) {
            wide.put("f" + (1000 + i), i);
        }
        ObjectNode deep = in.putObject("deep");
        for (int i = 0; i < 30; i++) {
            deep = deep.putObject("d");
        }
        JsonNode out = redactor.summary(in);
        assertThat(out.path("long").asText()).hasSizeLessThan(300).endsWith("…[+9744 chars]");
        assertThat(out.path("many")).hasSize(Redactor.MAX_ARRAY + 1);
        assertThat(out.path("many").get(Redactor.MAX_ARRAY).asText()).isEqualTo("[+80 more]");
        assertThat(out.path("wide").size()).isEqualTo(Redactor.MAX_FIELDS + 1);
        assertThat(Json.write(out)).contains("[depth " + Redactor.MAX_DEPTH + "]").hasSizeLessThan(8_000);
    }

    @Test
    void aSecretCutByTruncationIsStillFound() {
        String s = "x".repeat(Redactor.MAX_STRING - 5) + " ghp_1234567890abcdefghijklmnopqrstuvwxyzAB";
        assertThat(redactor.summary(Json.object().put("t", s)).path("t").asText()).isEqualTo(Redactor.REDACTED);
    }

    @Test
    void secretShapedKeysAreReplacedToo() {
        JsonNode out = redactor.summary(Json.object().put("AKIAIOSFODNN7EXAMPLE", "v"));
        assertThat(Json.write(out)).doesNotContain("AKIA");
    }

    @Test
    void targetsWithSecretsAreRedacted() {
        assertThat(Redactor.text("https://h/x?token=abcdef12")).isEqualTo(Redactor.REDACTED);
        assertThat(Redactor.text("everything__echo")).isEqualTo("everything__echo");
    }

    /** Keys are remembered; a flood of invented keys past the memo's bound changes no judgement. */
    @Test
    void judgementsHoldAcrossRepeatsAndPastTheMemoBound() {
        for (int round = 0; round < 2; round++) {
            assertThat(redactor.secretKey("apiKey")).isTrue();
            assertThat(redactor.secretKey("customer_ssn")).isTrue();
            assertThat(redactor.secretKey("message")).isFalse();
            assertThat(redactor.secretKey("keyboard_layout")).isFalse();
        }
        for (int i = 0; i < dev.waygate.guard.NameMemo.LIMIT + 500; i++) {
            assertThat(redactor.secretKey("field" + i)).isFalse();
        }
        assertThat(redactor.secretKey("refresh_token_" + "x".repeat(dev.waygate.guard.NameMemo.MAX_NAME))).isTrue();   // too long to remember, still judged
        assertThat(redactor.secretKey("page_" + "x".repeat(dev.waygate.guard.NameMemo.MAX_NAME))).isFalse();
        assertThat(redactor.secretKey("x".repeat(dev.waygate.guard.NameMemo.MAX_NAME) + "_refreshToken")).isTrue();
        assertThat(redactor.secretKey("clientSecret")).isTrue();
        assertThat(redactor.secretKey("page")).isFalse();
        assertThat(Json.write(redactor.summary(Json.object().put("password", "hunter2").put("message", "hi"))))
                .doesNotContain("hunter2").contains("hi");
    }
}
