package dev.waygate.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineReaderTest {
    /** Hands out the bytes in pieces of random size, as a pipe does. */
    private static InputStream pieces(byte[] all, long seed) {
        Random r = new Random(seed);
        return new InputStream() {
            int at;

            @Override
            public int read() {
                return at < all.length ? all[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at == all.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, all.length - at), 1 + r.nextInt(r.nextBoolean() ? 3 : 100_000));
                System.arraycopy(all, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    private static List<String> all(LineReader r) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l = r.next(); l != null; l = r.next()) {
            out.add(l);
        }
        return out;
    }

    @Test
    void linesAcrossAnySplitOfTheInputAreTheSame() throws IOException {
        StringBuilder sb = new StringBuilder();
        List<String> want = new ArrayList<>();
        Random r = new Random(7);
        for (int i = 0; i < 400; i++) {
            String line = "é€😀 ".repeat(r.nextInt(40)) + "x".repeat(r.nextInt(r.nextInt(10) == 0 ? 150_000 : 50)) + i;
            want.add(line);
            sb.append(line).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        want.add("");
        sb.append("\n").append("\r\n");
        want.add("");
        want.add("last without newline");
        sb.append("last without newline");
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        for (long seed = 0; seed < 20; seed++) {
            assertThat(all(new LineReader(pieces(bytes, seed), 1_000_000))).isEqualTo(want);
            assertThat(allAsBytes(new LineReader(pieces(bytes, seed), 1_000_000))).as("advance() and the line's bytes").isEqualTo(want);
        }
    }

    /** The lines by {@link LineReader#advance}, decoded from the array view (a JSON parser reads that view). */
    private static List<String> allAsBytes(LineReader r) throws IOException {
        List<String> out = new ArrayList<>();
        while (r.advance()) {
            out.add(new String(r.array(), r.offset(), r.length(), StandardCharsets.UTF_8));
            assertThat(r.text()).isEqualTo(out.getLast());
        }
        return out;
    }

    @Test
    void blankMeansOnlyAsciiWhiteSpace() throws IOException {
        LineReader r = new LineReader(new ByteArrayInputStream(" \t \r\n\nx\n  {}\n\u00a0\n".getBytes(StandardCharsets.UTF_8)), 100);
        List<Boolean> blank = new ArrayList<>();
        while (r.advance()) {
            blank.add(r.blank());
        }
        assertThat(blank).containsExactly(true, true, false, false, false);
    }

    @Test
    void aLineOverTheCapIsSkippedAndReported() throws IOException {
        byte[] in = ("ok\n" + "y".repeat(101) + "\nafter\n" + "z".repeat(100) + "\n").getBytes(StandardCharsets.UTF_8);
        for (long seed = 0; seed < 10; seed++) {
            LineReader r = new LineReader(pieces(in, seed), 100);
            assertThat(r.next()).isEqualTo("ok");
            assertThatThrownBy(r::next).isInstanceOf(LineReader.TooLong.class);
            assertThat(r.next()).isEqualTo("after");
            assertThat(r.next()).hasSize(100);
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void failingFastStopsReadingAtTheCap() throws IOException {
        int[] read = {0};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                read[0]++;
                return 'a';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = Math.min(len, 4096);
                java.util.Arrays.fill(b, off, off + n, (byte) 'a');
                read[0] += n;
                return n;
            }
        };
        assertThatThrownBy(() -> LineReader.failingFast(endless, 1 << 20).next()).isInstanceOf(LineReader.TooLong.class);
        assertThat(read[0]).isLessThan((1 << 20) + 70_000);
    }

    @Test
    void anEmptyStreamHasNoLines() throws IOException {
        assertThat(new LineReader(new ByteArrayInputStream(new byte[0]), 10).next()).isNull();
    }

    @Test
    void aTooLongLastLineWithoutNewlineIsReported() {
        LineReader r = new LineReader(new ByteArrayInputStream("w".repeat(11).getBytes(StandardCharsets.UTF_8)), 10);
        assertThatThrownBy(r::next).isInstanceOf(LineReader.TooLong.class);
    }
}
