package dev.waygate.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SsrfCheckTest {
    /** Names the attacker controls, answered as their DNS would. */
    private static final Map<String, List<String>> DNS = Map.of(
            "localtest.me", List.of("127.0.0.1"),
            "rebind.attacker.example", List.of("93.184.216.34", "10.0.0.5"),
            "metadata.google.internal", List.of("169.254.169.254"),
            "public.example", List.of("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"),
            "v6only.example", List.of("::1"));

    private final SsrfCheck check = new SsrfCheck(host -> {
        List<String> a = DNS.get(host);
        if (a == null) {
            throw new UnknownHostException(host);
        }
        return a.stream().map(s -> Hosts.literal(s).orElseThrow()).toList();
    });

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // loopback in every spelling
            "127.0.0.1, loopback", "127.1.2.3, loopback", "[::1], loopback", "::1, loopback", "localtest.me, loopback",
            "v6only.example, loopback", "[::ffff:127.0.0.1], loopback", "[::ffff:7f00:1], loopback",
            "[::127.0.0.1], loopback", "[64:ff9b::7f00:1], loopback", "[2002:7f00:1::], loopback",
            "[0:0:0:0:0:ffff:127.0.0.1], loopback", "127.0.0.1., loopback",
            // numeric tricks: refused whatever they point to
            "2130706433, obfuscated_ip", "0x7f.1, obfuscated_ip", "0177.0.0.1, obfuscated_ip", "127.1, obfuscated_ip",
            "0x7f000001, obfuscated_ip", "010.0.0.1, obfuscated_ip", "017700000001, obfuscated_ip",
            "0x7F.0.0.1, obfuscated_ip", "3232235521, obfuscated_ip", "0251.0376.0251.0376, obfuscated_ip",
            "08.8.8.8, obfuscated_ip", "1.2.3, obfuscated_ip",
            // private, CGNAT, link-local, unique-local, multicast, unspecified, metadata
            "10.0.0.1, private", "172.16.5.4, private", "172.31.255.255, private", "192.168.1.1, private",
            "100.64.0.1, cgnat", "169.254.1.1, link_local", "[fe80::1], link_local", "[fc00::1], unique_local",
            "[fd12:3456::1], unique_local", "224.0.0.1, multicast", "[ff02::1], multicast", "0.0.0.0, unspecified",
            "[::], unspecified", "169.254.169.254, metadata", "[fd00:ec2::254], metadata", "100.100.100.200, metadata",
            "metadata.google.internal, metadata", "[::ffff:169.254.169.254], metadata", "[::ffff:a9fe:a9fe], metadata",
            "255.255.255.255, multicast", "240.0.0.1, reserved", "198.18.0.1, reserved",
            // a name with one public and one private answer
            "rebind.attacker.example, private",
            "no-such-host.example, unresolvable", "'', unresolvable",
    })
    void deniesInternalDestinations(String host, String reason) {
        SsrfCheck.Verdict v = check.check(host, List.of());
        assertThat(v.allowed()).as(host).isFalse();
        assertThat(v.reason()).as(host).isEqualTo(reason);
        assertThat(v.addresses()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"93.184.216.34", "public.example", "8.8.8.8", "[2606:4700:4700::1111]", "172.32.0.1", "172.15.255.255",
            "100.128.0.1", "192.169.0.1", "11.0.0.1", "1.1.1.1", "PUBLIC.EXAMPLE", "public.example."})
    void allowsPublicDestinations(String host) {
        SsrfCheck.Verdict v = check.check(host, List.of());
        assertThat(v.allowed()).as(v.detail()).isTrue();
        assertThat(v.addresses()).isNotEmpty();
    }

    @Test
    void allowedCidrOpensExactlyItsRange() {
        List<Cidr> allow = List.of(Cidr.parse("10.20.0.0/16"), Cidr.parse("127.0.0.1"));
        assertThat(check.check("10.20.3.4", allow).allowed()).isTrue();
        assertThat(check.check("10.21.0.1", allow).reason()).isEqualTo("private");
        assertThat(check.check("127.0.0.1", allow).allowed()).isTrue();
        assertThat(check.check("[::ffff:127.0.0.1]", allow).allowed()).isTrue();
        assertThat(check.check("127.0.0.2", allow).reason()).isEqualTo("loopback");
        assertThat(check.check("localtest.me", allow).addresses()).extracting(InetAddress::getHostAddress)
                .containsExactly("127.0.0.1");
        // obfuscation stays refused even where the range is allowed: no second parser may disagree
        assertThat(check.check("2130706433", allow).reason()).isEqualTo("obfuscated_ip");
    }

    @Test
    void cidrParsingNamesTheMistake() {
        assertThat(Cidr.parse("fd00::/8").contains(Hosts.literal("fd12::1").orElseThrow())).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(Hosts.literal("8.8.8.8").orElseThrow())).isTrue();
        for (String bad : List.of("10.0.0.0/33", "10.0.0.0/x", "example.com/8", "010.0.0.0/8", "::/129", "")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }

    @Test
    void hostForms() {
        assertThat(Hosts.form("example.com")).isEqualTo(Hosts.Form.NAME);
        assertThat(Hosts.form("a.b.c.d")).isEqualTo(Hosts.Form.NAME);
        assertThat(Hosts.form("deadbeef")).isEqualTo(Hosts.Form.NAME);
        assertThat(Hosts.form("0xdeadbeef")).isEqualTo(Hosts.Form.OBFUSCATED);
        assertThat(Hosts.form("1e100.net")).isEqualTo(Hosts.Form.NAME);
        assertThat(Hosts.form("192.168.0.1")).isEqualTo(Hosts.Form.IP);
        assertThat(Hosts.form("[2001:db8::1]")).isEqualTo(Hosts.Form.IP);
    }
}
