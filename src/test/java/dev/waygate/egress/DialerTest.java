package dev.waygate.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A tunnel dials the checked addresses in order, falls back on failure, and dials nothing else. */
class DialerTest {
    static final InetAddress A = InetAddress.ofLiteral("192.0.2.1");
    static final InetAddress B = InetAddress.ofLiteral("2001:db8::2");
    static final InetAddress C = InetAddress.ofLiteral("198.51.100.3");

    /** Connects only to the addresses in {@code up} (an open, unconnected channel stands for the connection). */
    static final class FakeNetwork implements Dialer.Connect {
        final Set<InetAddress> up;
        final List<InetSocketAddress> tried = new ArrayList<>();
        final List<Integer> timeouts = new ArrayList<>();

        FakeNetwork(InetAddress... up) {
            this.up = Set.of(up);
        }

        @Override
        public SocketChannel connect(InetSocketAddress address, int timeoutMillis) throws IOException {
            tried.add(address);
            timeouts.add(timeoutMillis);
            if (!up.contains(address.getAddress())) {
                throw new ConnectException("Connection refused: " + address);
            }
            return SocketChannel.open();
        }
    }

    @Test
    void theFirstAddressThatAnswersIsUsedAndTheRestAreNotTried() throws Exception {
        FakeNetwork net = new FakeNetwork(B, C);
        Dialer.Dialed d = new Dialer(Duration.ofSeconds(10), net).dial(List.of(A, B, C), 443);
        try (SocketChannel ignored = d.channel()) {
            assertThat(d.address()).isEqualTo(new InetSocketAddress(B, 443));
            assertThat(net.tried).containsExactly(new InetSocketAddress(A, 443), new InetSocketAddress(B, 443));
        }
    }

    @Test
    void onlyTheCheckedAddressesAreDialedInTheirOrder() {
        FakeNetwork net = new FakeNetwork(); // nothing answers
        assertThatThrownBy(() -> new Dialer(Duration.ofSeconds(10), net).dial(List.of(C, A, B), 8443))
                .isInstanceOf(ConnectException.class)
                .satisfies(e -> {
                    // the last failure is thrown, the earlier ones ride along
                    assertThat(e.getMessage()).contains("2001:db8:0:0:0:0:0:2");
                    assertThat(e.getSuppressed()).hasSize(1);
                    assertThat(e.getSuppressed()[0].getMessage()).contains("192.0.2.1");
                    assertThat(e.getSuppressed()[0].getSuppressed()[0].getMessage()).contains("198.51.100.3");
                });
        assertThat(net.tried).containsExactly(new InetSocketAddress(C, 8443), new InetSocketAddress(A, 8443),
                new InetSocketAddress(B, 8443));
    }

    @Test
    void eachAddressGetsAShareOfTheConnectTimeoutSoOneBlackHoleCannotUseItAllUp() throws Exception {
        FakeNetwork net = new FakeNetwork(C);
        new Dialer(Duration.ofMillis(9_000), net).dial(List.of(A, B, C), 80).channel().close();
        assertThat(net.timeouts.get(0)).isBetween(1, 3_000);
        assertThat(net.timeouts.get(1)).isBetween(1, 4_500);
        assertThat(net.timeouts.get(2)).isBetween(1, 9_000);
    }

    @Test
    void noTimeLeftIsAConnectTimeout() {
        Dialer.Connect slow = (address, timeoutMillis) -> {
            try {
                Thread.sleep(timeoutMillis + 5L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new SocketTimeoutException("timed out: " + address);
        };
        assertThatThrownBy(() -> new Dialer(Duration.ofMillis(50), slow).dial(List.of(A, B), 443))
                .isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void nothingCheckedNothingDialed() {
        FakeNetwork net = new FakeNetwork(A);
        assertThatThrownBy(() -> new Dialer(Duration.ofSeconds(1), net).dial(List.of(), 443)).isInstanceOf(IOException.class);
        assertThat(net.tried).isEmpty();
    }

    @Test
    void realSocketsARefusedLoopbackAddressFallsBackToOneThatListens() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.ofLiteral("127.0.0.1"))) {
            int port = server.getLocalPort();
            Dialer.Dialed d = new Dialer(Duration.ofSeconds(10), Dialer.SOCKET)
                    .dial(List.of(InetAddress.ofLiteral("127.0.0.2"), InetAddress.ofLiteral("127.0.0.1")), port);
            try (SocketChannel c = d.channel(); Socket accepted = server.accept()) {
                assertThat(c.isConnected()).isTrue();
                assertThat(d.address()).isEqualTo(new InetSocketAddress("127.0.0.1", port));
                c.write(java.nio.ByteBuffer.wrap(new byte[] {42}));
                assertThat(accepted.getInputStream().read()).isEqualTo(42);
            }
        }
    }
}
