package dev.waygate.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Basic credentials as a proxy receives them: well-formed ones read exactly, everything else is none. */
class BasicCredentialsTest {
    private static String basic(String raw) {
        return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void userAndPasswordAreSplitAtTheFirstColon() {
        assertThat(BasicCredentials.parse(basic("bench:wg_abc:def"))).contains(new BasicCredentials("bench", "wg_abc:def"));
        assertThat(BasicCredentials.parse("basic " + basic("u:p").substring(6))).contains(new BasicCredentials("u", "p"));
        assertThat(BasicCredentials.parse(basic("wg_onlyuser"))).contains(new BasicCredentials("wg_onlyuser", ""));
        assertThat(BasicCredentials.parse(basic(":p"))).contains(new BasicCredentials("", "p"));
    }

    @Test
    void anythingElseIsNoCredential() {
        assertThat(BasicCredentials.parse(null)).isEmpty();
        assertThat(BasicCredentials.parse("")).isEmpty();
        assertThat(BasicCredentials.parse("Bearer " + basic("u:p").substring(6))).isEmpty();
        assertThat(BasicCredentials.parse("Basic not*base64!")).isEmpty();
        assertThat(BasicCredentials.parse("Basicdm9pZDp4")).isEmpty();
    }

    @Test
    void thePasswordNeverShowsInText() {
        assertThat(BasicCredentials.parse(basic("u:s3cret")).orElseThrow().toString()).doesNotContain("s3cret");
    }
}
