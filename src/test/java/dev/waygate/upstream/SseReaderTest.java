package dev.waygate.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.waygate.upstream.SseReader.Event;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** text/event-stream parsing as WHATWG HTML specifies it, and its limits against a hostile server. */
class SseReaderTest {
    private static final int CAP = 1024;

    static Stream<Arguments> streams() {
        return Stream.of(
                argumentSet("one event", "data: hello\n\n", List.of(msg("hello"))),
                argumentSet("empty stream", "", List.of()),
                argumentSet("multi-line data joined by LF", "data: a\ndata: b\ndata: c\n\n", List.of(msg("a\nb\nc"))),
                argumentSet("CRLF line endings", "data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n", List.of(msg("a\nb"), msg("c"))),
                argumentSet("CR line endings", "data: a\rdata: b\r\rdata: c\r\r", List.of(msg("a\nb"), msg("c"))),
                argumentSet("mixed line endings", "data: a\r\ndata: b\rdata: c\n\r\n", List.of(msg("a\nb\nc"))),
                argumentSet("comments ignored", ": keep-alive\n\n:\ndata: x\n: inside an event\ndata: y\n\n",
                        List.of(msg("x\ny"))),
                argumentSet("a comment line is not a blank line", "data: x\n: ping\ndata: y\n\n", List.of(msg("x\ny"))),
                argumentSet("event type", "event: endpoint\ndata: /messages?session=1\n\n",
                        List.of(new Event("endpoint", "/messages?session=1", null))),
                argumentSet("event type is reset after dispatch", "event: a\ndata: 1\n\ndata: 2\n\n",
                        List.of(new Event("a", "1", null), msg("2"))),
                argumentSet("event type is reset by a blank line without data", "event: a\n\ndata: 2\n\n", List.of(msg("2"))),
                argumentSet("last event line wins", "event: a\nevent: b\ndata: x\n\n", List.of(new Event("b", "x", null))),
                argumentSet("empty event type means message", "event:\ndata: x\n\n", List.of(msg("x"))),
                argumentSet("id", "id: 42\ndata: x\n\n", List.of(new Event("message", "x", "42"))),
                argumentSet("empty id", "id\ndata: x\n\n", List.of(new Event("message", "x", ""))),
                argumentSet("data field without colon is empty data", "data\n\n", List.of(msg(""))),
                argumentSet("two data fields without colon", "data\ndata\n\n", List.of(msg("\n"))),
                argumentSet("event field without colon is the default type", "event\ndata: x\n\n", List.of(msg("x"))),
                argumentSet("one leading space stripped", "data: x\n\n", List.of(msg("x"))),
                argumentSet("only one leading space stripped", "data:  two\n\n", List.of(msg(" two"))),
                argumentSet("no space after colon", "data:x\n\n", List.of(msg("x"))),
                argumentSet("tab is not stripped", "data:\tx\n\n", List.of(msg("\tx"))),
                argumentSet("trailing spaces kept", "data: x  \n\n", List.of(msg("x  "))),
                argumentSet("colons in the value", "data: {\"a\": \"b:c\"}\n\n", List.of(msg("{\"a\": \"b:c\"}"))),
                argumentSet("blank data lines", "data:\ndata:\n\n", List.of(msg("\n"))),
                argumentSet("blank data line in the middle", "data: a\ndata:\ndata: b\n\n", List.of(msg("a\n\nb"))),
                argumentSet("event without data is not dispatched", "event: ping\nid: 1\n\n", List.of()),
                argumentSet("event without data, then one with", "event: ping\n\ndata: x\n\n", List.of(msg("x"))),
                argumentSet("retry and unknown fields ignored", "retry: 1000\nfoo: bar\ndata: x\n\n", List.of(msg("x"))),
                argumentSet("field names are case-sensitive", "Data: x\nDATA: y\n\n", List.of()),
                argumentSet("space before the colon makes another field", "data : x\n\n", List.of()),
                argumentSet("leading blank lines", "\n\n\r\n\rdata: x\n\n", List.of(msg("x"))),
                argumentSet("end of stream mid-event discards it", "data: a\n\ndata: partial", List.of(msg("a"))),
                argumentSet("end of stream after a data line discards it", "data: a\n\ndata: partial\n", List.of(msg("a"))),
                argumentSet("multibyte UTF-8", "data: héllo ✓ 🙂 工具\n\n", List.of(msg("héllo ✓ 🙂 工具"))),
                argumentSet("leading byte order mark ignored", "\uFEFFdata: x\n\n", List.of(msg("x"))),
                argumentSet("several events", "data: 1\n\ndata: 2\n\ndata: 3\n\n", List.of(msg("1"), msg("2"), msg("3"))));
    }

    @ParameterizedTest
    @MethodSource("streams")
    void parsesTheEventStream(String stream, List<Event> expected) throws IOException {
        assertThat(readAll(new ByteArrayInputStream(utf8(stream)), CAP)).containsExactlyElementsOf(expected);
    }

    /** The same streams delivered one byte per read: a CR LF split across reads is still one line end. */
    @ParameterizedTest
    @MethodSource("streams")
    void parsesTheEventStreamDeliveredByteByByte(String stream, List<Event> expected) throws IOException {
        assertThat(readAll(new Trickle(new ByteArrayInputStream(utf8(stream))), CAP)).containsExactlyElementsOf(expected);
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() throws IOException {
        byte[] bytes = {'d', 'a', 't', 'a', ':', ' ', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '\n', '\n'};

        List<Event> events = readAll(new ByteArrayInputStream(bytes), CAP);

        assertThat(events).hasSize(1);
        assertThat(events.getFirst().data()).contains("\uFFFD");
    }

    @Test
    void afterTheEndNextKeepsReturningNull() throws IOException {
        SseReader r = new SseReader(new ByteArrayInputStream(utf8("data: x\n\n")), CAP);

        assertThat(r.next()).isEqualTo(msg("x"));
        assertThat(r.next()).isNull();
        assertThat(r.next()).isNull();
    }

    @Test
    void dataUpToTheCapIsAccepted() throws IOException {
        String exact = "a".repeat(CAP);

        assertThat(readAll(new ByteArrayInputStream(utf8("data: " + exact + "\n\n")), CAP)).containsExactly(msg(exact));
    }

    static Stream<Arguments> oversized() {
        return Stream.of(
                argumentSet("one line over the cap", "data: " + "a".repeat(CAP + 1) + "\n\n"),
                argumentSet("many lines adding up to more than the cap", ("data: " + "a".repeat(100) + "\n").repeat(11) + "\n"),
                argumentSet("joining newlines count", "data:\n".repeat(CAP + 2) + "\n"),
                argumentSet("over the cap without the final blank line", "data: " + "a".repeat(CAP + 1)),
                argumentSet("second event over the cap", "data: ok\n\ndata: " + "a".repeat(CAP + 1) + "\n\n"));
    }

    @ParameterizedTest
    @MethodSource("oversized")
    void anEventOverTheCapIsAnIOException(String stream) {
        assertThatThrownBy(() -> readAll(new ByteArrayInputStream(utf8(stream)), CAP))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(String.valueOf(CAP));
    }

    @Test
    void theCapIsPerEventNotPerStream() throws IOException {
        String big = "a".repeat(CAP);

        assertThat(readAll(new ByteArrayInputStream(utf8(("data: " + big + "\n\n").repeat(50))), CAP)).hasSize(50);
    }

    /**
     * A hostile server sends one endless line. The reader must give up once the line is longer than
     * the cap, not buffer the whole line first: otherwise a line without a line end exhausts the heap.
     */
    @ParameterizedTest
    @ValueSource(strings = {"data: ", "event: ", "id: ", ": ", "x-unknown-field: "})
    void anEndlessLineIsRefusedWithoutBufferingIt(String field) {
        int hostileBytes = 8 * 1024 * 1024;
        Endless body = new Endless(utf8(field), hostileBytes);

        assertThatThrownBy(() -> readAll(body, CAP)).isInstanceOf(IOException.class);
        assertThat(body.served).as("bytes read before giving up on a %s line", field).isLessThan(CAP + 64 * 1024);
    }

    /** Random bytes (biased towards the syntax) never throw anything but IOException, never hang, never exceed the cap. */
    @Test
    void randomInputOnlyEverYieldsEventsOrAnIOException() {
        String[] tokens = {"data", "event", "id", "retry", ":", " ", "  ", "\n", "\r", "\r\n", "\n\n", "x", "é", "\uFEFF",
                "message", "{\"jsonrpc\":\"2.0\"}", "\u0000"};
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (long seed = 0; seed < 3000; seed++) {
                Random rnd = new Random(seed);
                byte[] input = seed % 3 == 0 ? randomBytes(rnd) : randomTokens(rnd, tokens);
                int cap = 1 + rnd.nextInt(64);
                fuzzOne(input, cap, seed);
            }
        });
    }

    private static void fuzzOne(byte[] input, int cap, long seed) {
        List<Event> events = new ArrayList<>();
        try {
            SseReader r = new SseReader(rndTrickle(input, seed), cap);
            Event e;
            while ((e = r.next()) != null) {
                events.add(e);
                assertThat(events.size()).as("seed %d: more events than bytes", seed).isLessThanOrEqualTo(input.length);
            }
        } catch (IOException expected) {
            // a hostile or broken stream: the transport closes it
        }
        for (Event e : events) {
            assertThat(e.data().length()).as("seed %d", seed).isLessThanOrEqualTo(cap);
            assertThat(e.data()).as("seed %d", seed).doesNotContain("\r");
            assertThat(e.type()).as("seed %d", seed).isNotEmpty().doesNotContain("\n", "\r");
            if (e.id() != null) {
                assertThat(e.id()).as("seed %d", seed).doesNotContain("\n", "\r");
            }
        }
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(512)];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] randomTokens(Random rnd, String[] tokens) {
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(200);
        for (int i = 0; i < n; i++) {
            sb.append(tokens[rnd.nextInt(tokens.length)]);
        }
        return utf8(sb.toString());
    }

    private static InputStream rndTrickle(byte[] input, long seed) {
        InputStream in = new ByteArrayInputStream(input);
        return seed % 2 == 0 ? in : new Trickle(in);
    }

    private static List<Event> readAll(InputStream in, int cap) throws IOException {
        SseReader r = new SseReader(in, cap);
        List<Event> out = new ArrayList<>();
        Event e;
        while ((e = r.next()) != null) {
            out.add(e);
        }
        return out;
    }

    private static Event msg(String data) {
        return new Event("message", data, null);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Hands out at most one byte per read, as a slow network might. */
    private static final class Trickle extends FilterInputStream {
        Trickle(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1));
        }
    }

    /** A prefix followed by {@code 'a'} bytes without any line end; counts what the reader pulled. */
    private static final class Endless extends InputStream {
        private final byte[] prefix;
        private final long total;
        long served;

        Endless(byte[] prefix, long total) {
            this.prefix = prefix;
            this.total = total;
        }

        @Override
        public int read() {
            if (served >= total) {
                return -1;
            }
            int b = served < prefix.length ? prefix[(int) served] : 'a';
            served++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (served >= total) {
                return -1;
            }
            int n = (int) Math.min(len, total - served);
            for (int i = 0; i < n; i++) {
                b[off + i] = served < prefix.length ? prefix[(int) served] : (byte) 'a';
                served++;
            }
            return n;
        }
    }
}
