package dev.waygate.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.auth.Principal;
import dev.waygate.net.Cidr;
import dev.waygate.net.Resolver;
import dev.waygate.ratelimit.RateLimit;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Rule order, scope and constraints, report mode, SSRF on resolved addresses, one lookup per decision. */
class JudgeTest {
    static final Principal CI = new Principal("ci-bot", Set.of("ci"), "k1");
    static final Principal DEV = new Principal("dev", Set.of("dev"), "k2");

    /** A DNS that answers from a table; counts lookups. */
    static final class Dns implements Resolver {
        final Map<String, List<String>> table;
        final AtomicInteger lookups = new AtomicInteger();

        Dns(Map<String, List<String>> table) {
            this.table = table;
        }

        @Override
        public List<InetAddress> resolve(String host) throws UnknownHostException {
            lookups.incrementAndGet();
            List<String> a = table.get(host);
            if (a == null) {
                throw new UnknownHostException(host);
            }
            return a.stream().map(InetAddress::ofLiteral).toList();
        }
    }

    static EgressRule rule(String name, List<String> domains, Set<String> methods, List<String> paths, Set<String> principals,
                           EgressRule.Mode mode, List<String> cidrs, Optional<RateLimit> rate) {
        return new EgressRule(name, domains.stream().map(DomainPattern::parse).toList(), EgressRule.DEFAULT_PORTS, Set.of(),
                methods, paths, principals, Set.of(), rate, true, mode, cidrs.stream().map(Cidr::parse).toList());
    }

    static Target http(String host, String method, String path) {
        return new Target("http", host, 80, method, path, false);
    }

    final Dns dns = new Dns(Map.of("api.github.com", List.of("140.82.112.5"),
            "raw.githubusercontent.com", List.of("185.199.108.133"),
            "rebind.example", List.of("93.184.216.34", "127.0.0.1"),
            "db-api.internal.example", List.of("10.20.1.5"),
            "metadata.example", List.of("169.254.169.254")));

    Judge judge(EgressRule... rules) {
        RuleSet set = new RuleSet(List.of(rules), RuleSet.Unmatched.DENY, "test");
        return new Judge(() -> set, dns);
    }

    @Test
    void theFirstRuleWhoseScopeAndConstraintsPassDecides() {
        Judge j = judge(rule("gh-read", List.of("api.github.com"), Set.of("GET"), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()),
                rule("gh-ci", List.of("api.github.com"), Set.of("POST"), List.of("/repos/"), Set.of("ci-bot"), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()));
        assertThat(j.decide(DEV, http("api.github.com", "GET", "/x"))).extracting(Decision::allowed, Decision::rule).containsExactly(true, "gh-read");
        assertThat(j.decide(CI, http("api.github.com", "POST", "/repos/a"))).extracting(Decision::allowed, Decision::rule).containsExactly(true, "gh-ci");
        assertThat(j.decide(DEV, http("api.github.com", "POST", "/repos/a"))).extracting(Decision::reason).isEqualTo("method_not_allowed");
        assertThat(j.decide(CI, http("api.github.com", "POST", "/user"))).extracting(Decision::reason).isEqualTo("method_not_allowed");
        assertThat(j.decide(CI, http("example.com", "GET", "/"))).extracting(Decision::allowed, Decision::reason).containsExactly(false, "no_rule");
        Decision ok = j.decide(DEV, http("API.GitHub.com.", "GET", "/"));
        assertThat(ok.allowed()).isTrue();
        assertThat(ok.addresses()).extracting(InetAddress::getHostAddress).containsExactly("140.82.112.5");
    }

    @Test
    void aTunnelIsHandedEveryCheckedAddressInResolutionOrderAndTheDialerTriesThemSo() throws Exception {
        Dns twoWay = new Dns(Map.of("twoway.example", List.of("127.0.0.2", "::1", "127.0.0.1"),
                "half.example", List.of("127.0.0.2", "10.9.9.9")));
        EgressRule local = new EgressRule("local", List.of(DomainPattern.parse("*.example")), Set.of(443), Set.of(), Set.of(),
                List.of(), Set.of(), Set.of(), Optional.empty(), true, EgressRule.Mode.ENFORCE,
                List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")));
        RuleSet set = new RuleSet(List.of(local), RuleSet.Unmatched.DENY, "test");
        Judge j = new Judge(() -> set, twoWay);
        Decision d = j.decide(DEV, new Target("https", "twoway.example", 443, "CONNECT", "", true));
        assertThat(d.allowed()).isTrue();
        assertThat(d.addresses()).extracting(InetAddress::getHostAddress).containsExactly("127.0.0.2", "0:0:0:0:0:0:0:1", "127.0.0.1");
        DialerTest.FakeNetwork net = new DialerTest.FakeNetwork(InetAddress.ofLiteral("127.0.0.1"));
        new Dialer(java.time.Duration.ofSeconds(5), net).dial(d.addresses(), 443).channel().close();
        assertThat(net.tried).extracting(a -> a.getAddress().getHostAddress())
                .containsExactly("127.0.0.2", "0:0:0:0:0:0:0:1", "127.0.0.1");

        // One address outside the allowed CIDRs: the name is denied and nothing is handed on to dial.
        Decision half = j.decide(DEV, new Target("https", "half.example", 443, "CONNECT", "", true));
        assertThat(half).extracting(Decision::allowed, Decision::reason).containsExactly(false, "private");
        assertThat(half.addresses()).isEmpty();
    }

    @Test
    void wildcardsMatchSubdomainsOnly() {
        Judge j = judge(rule("raw", List.of("*.githubusercontent.com"), Set.of(), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()));
        assertThat(j.decide(DEV, http("raw.githubusercontent.com", "GET", "/")).allowed()).isTrue();
        assertThat(j.decide(DEV, http("githubusercontent.com", "GET", "/")).reason()).isEqualTo("no_rule");
        assertThat(j.decide(DEV, http("evilgithubusercontent.com", "GET", "/")).reason()).isEqualTo("no_rule");
    }

    @Test
    void aNameWithOnePrivateAnswerIsRefusedAndResolvedOnce() {
        Judge j = judge(rule("a", List.of("*"), Set.of("POST"), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()),
                rule("b", List.of("*"), Set.of(), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()),
                rule("c", List.of("*"), Set.of(), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()));
        Decision d = j.decide(DEV, http("rebind.example", "GET", "/"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo("loopback");
        assertThat(dns.lookups).hasValue(1);
        assertThat(j.decide(DEV, http("metadata.example", "GET", "/")).reason()).isEqualTo("metadata");
        assertThat(j.decide(DEV, http("nowhere.example", "GET", "/")).reason()).isEqualTo("unresolvable");
        assertThat(j.decide(DEV, http("2130706433", "GET", "/")).reason()).isEqualTo("obfuscated_ip");
    }

    @Test
    void allowCidrsIsTheOnlyWayInAndItIsPerRule() {
        Judge j = judge(rule("db", List.of("db-api.internal.example"), Set.of(), List.of(), Set.of("ci-bot"), EgressRule.Mode.ENFORCE, List.of("10.20.0.0/16"), Optional.empty()),
                rule("any", List.of("*"), Set.of(), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()));
        assertThat(j.decide(CI, http("db-api.internal.example", "GET", "/")).rule()).isEqualTo("db");
        Decision dev = j.decide(DEV, http("db-api.internal.example", "GET", "/"));
        assertThat(dev).extracting(Decision::allowed, Decision::reason, Decision::rule).containsExactly(false, "private", "any");
    }

    @Test
    void reportModeAllowsAConstraintFailureButNeverAnSsrfOne() {
        Judge j = judge(rule("gh", List.of("api.github.com", "metadata.example"), Set.of("GET"), List.of(), Set.of(), EgressRule.Mode.REPORT, List.of(), Optional.empty()));
        Decision post = j.decide(DEV, http("api.github.com", "POST", "/"));
        assertThat(post.allowed()).isTrue();
        assertThat(post.wouldDeny()).contains("method_not_allowed");
        assertThat(post.label()).isEqualTo("report");
        Decision meta = j.decide(DEV, http("metadata.example", "POST", "/"));
        assertThat(meta).extracting(Decision::allowed, Decision::reason).containsExactly(false, "metadata");
    }

    @Test
    void defaultReportAllowsUnmatchedPublicDestinationsOnly() {
        RuleSet set = new RuleSet(List.of(), RuleSet.Unmatched.REPORT, "test");
        Judge j = new Judge(() -> set, dns);
        assertThat(j.decide(DEV, http("api.github.com", "GET", "/")).wouldDeny()).contains("no_rule");
        assertThat(j.decide(DEV, http("db-api.internal.example", "GET", "/")).allowed()).isFalse();
    }

    @Test
    void tunnelsCannotSatisfyMethodOrPathConstraints() {
        Judge j = judge(rule("gh", List.of("api.github.com"), Set.of("GET"), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.empty()));
        Decision d = j.decide(DEV, new Target("https", "api.github.com", 443, "CONNECT", "", true));
        assertThat(d.reason()).isEqualTo("tunnel_not_allowed");
    }

    @Test
    void theRateLimitIsPerRuleAndPrincipalAndSpentOnlyByAllowedRequests() {
        Judge j = judge(rule("gh", List.of("api.github.com"), Set.of("GET"), List.of(), Set.of(), EgressRule.Mode.ENFORCE, List.of(), Optional.of(new RateLimit(1, 2))));
        assertThat(j.decide(DEV, http("api.github.com", "POST", "/")).reason()).isEqualTo("method_not_allowed");
        assertThat(j.decide(DEV, http("api.github.com", "GET", "/")).allowed()).isTrue();
        assertThat(j.decide(DEV, http("api.github.com", "GET", "/")).allowed()).isTrue();
        assertThat(j.decide(DEV, http("api.github.com", "GET", "/")).reason()).isEqualTo("rate_limited");
        assertThat(j.decide(CI, http("api.github.com", "GET", "/")).allowed()).isTrue();
    }
}
