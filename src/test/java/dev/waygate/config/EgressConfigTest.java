package dev.waygate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.waygate.egress.EgressConfig;
import dev.waygate.egress.EgressRule;
import dev.waygate.egress.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code egress:} section: defaults, a full example, and broken fixtures naming file:line:key. */
class EgressConfigTest {
    @TempDir
    Path dir;

    GatewayConfig load(String egress) throws Exception {
        Path f = dir.resolve("waygate.yaml");
        Files.writeString(f, "version: 1\n" + egress);
        return new ConfigLoader(Map.<String, String>of()::get).read(f);
    }

    @Test
    void absentMeansNoProxyAndEmptyMeansDefaults() throws Exception {
        assertThat(load("listen: 127.0.0.1:8080\n").egress()).isEmpty();
        EgressConfig e = load("egress: {}\n").egress().orElseThrow();
        assertThat(e.listen()).isEqualTo(EgressConfig.DEFAULT_LISTEN);
        assertThat(e.rules().rules()).isEmpty();
        assertThat(e.rules().unmatched()).isEqualTo(RuleSet.Unmatched.DENY);
        assertThat(e.limits()).isEqualTo(EgressConfig.Limits.DEFAULTS);
    }

    @Test
    void theIssueExampleAndARulesFile() throws Exception {
        Files.writeString(dir.resolve("rules.json"), """
                {"rules": [{"name": "pypi", "domains": ["pypi.org", "*.pythonhosted.org"], "schemes": ["https"]}]}
                """);
        EgressConfig e = load("""
                egress:
                  listen: 127.0.0.1:3128
                  default: deny
                  rules_file: rules.json
                  limits: { connect_timeout: 5s, max_tunnels_per_principal: 8 }
                  rules:
                    - { name: github, domains: [api.github.com, "*.githubusercontent.com"], methods: [GET, post], rate_limit: { per_minute: 80, burst: 15 } }
                    - { name: staging-db-api, domains: [db-api.internal.example], ports: [8443], allow_cidrs: [10.20.0.0/16], principals: [ci-bot], mode: report, audit: false }
                """).egress().orElseThrow();
        assertThat(e.rules().rules()).extracting(EgressRule::name).containsExactly("github", "staging-db-api", "pypi");
        EgressRule gh = e.rules().rules().getFirst();
        assertThat(gh.methods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(gh.ports()).isEqualTo(EgressRule.DEFAULT_PORTS);
        assertThat(gh.rateLimit().orElseThrow().burst()).isEqualTo(15);
        EgressRule db = e.rules().rules().get(1);
        assertThat(db.mode()).isEqualTo(EgressRule.Mode.REPORT);
        assertThat(db.audit()).isFalse();
        assertThat(db.allowCidrs()).hasSize(1);
        assertThat(e.limits().connectTimeout()).hasSeconds(5);
        assertThat(e.limits().maxTunnelsPerPrincipal()).isEqualTo(8);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "egress: { rules: [ { name: a, domains: [x.com], method: [GET] } ] }|:3: egress.rules[0].method: unknown key",
            "egress: { rules: [ { domains: [x.com] } ] }|:3: egress.rules[0].name: is required",
            "egress: { rules: [ { name: a } ] }|:3: egress.rules[0].domains: is required",
            "egress: { rules: [ { name: a, domains: [] } ] }|:3: egress.rules[0].domains: must not be empty",
            "egress: { rules: [ { name: a, domains: ['*x.com'] } ] }|egress.rules[0].domains[0]: '*x.com' is not a host",
            "egress: { rules: [ { name: a, domains: [x.com], ports: [0] } ] }|egress.rules[0].ports[0]: must be between 1 and 65535",
            "egress: { rules: [ { name: a, domains: [x.com], schemes: [ftp] } ] }|egress.rules[0].schemes[0]: must be 'http' or 'https'",
            "egress: { rules: [ { name: a, domains: [x.com], paths: [api] } ] }|egress.rules[0].paths[0]: must be a path prefix",
            "egress: { rules: [ { name: a, domains: [x.com], mode: audit } ] }|egress.rules[0].mode: must be 'enforce' or 'report'",
            "egress: { rules: [ { name: a, domains: [x.com], allow_cidrs: [10.0.0.0/33] } ] }|egress.rules[0].allow_cidrs[0]: '10.0.0.0/33': the prefix length must be 0..32",
            "egress: { rules: [ { name: a, domains: [x.com] }, { name: a, domains: [y.com] } ] }|egress.rules[1].name: 'a' is already used",
            "egress: { default: allow }|egress.default: must be 'deny' or 'report'",
            "egress: { listen: '0.0.0.0:3128', source_principals: [ { from: 127.0.0.1, principal: p } ] }|egress.source_principals: is allowed only when egress.listen is a loopback address",
            "egress: { limits: { max_header_bytes: 10 } }|egress.limits.max_header_bytes: must be between 1024",
            "egress: { rules_file: missing.json }|egress.rules_file: file not found",
    })
    void brokenFixturesNameFileLineAndKey(String yaml, String expected) {
        assertThatThrownBy(() -> load("\n" + yaml + "\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("waygate.yaml").hasMessageContaining(expected);
    }

    @Test
    void anErrorInTheRulesFileNamesThatFile() throws Exception {
        Files.writeString(dir.resolve("rules.json"), "{\"rules\": [\n  {\"name\": \"a\",\n   \"domains\": [\"x.com\"], \"ports\": [\"eighty\"]}]}");
        assertThatThrownBy(() -> load("egress: { rules_file: rules.json }\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rules.json:3: rules[0].ports[0]: must be an integer");
    }
}
