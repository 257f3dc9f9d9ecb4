package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.audit.Audit;
import dev.waygate.audit.AuditKeys;
import dev.waygate.audit.Correlation;
import dev.waygate.audit.Events;
import dev.waygate.audit.JournalFiles;
import dev.waygate.audit.Verifier;
import dev.waygate.audit.VerifyReport;
import dev.waygate.mcp.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The gateway as its own process (what {@code bin/waygate serve} runs) on a probe upstream, loaded
 * by many clients, is killed with SIGKILL while calls are in flight, three times over on one data
 * directory. After each kill the verifier accepts the journal up to its last complete entry (and
 * {@code waygate audit verify} names the torn tail, if any, by file:line) and every call whose answer
 * a client received is in it; each restart starts on that journal and records the tail it cut; after
 * a last clean stop the journal verifies intact.
 * <p>A SIGKILL cannot tear a line (the page cache keeps what {@code write} took), only a power cut
 * can; when no kill tore one, the last round tears the tail as a power cut would, so the restart's
 * cut-and-record path runs too.
 */
class AuditCrashIT {
    static final int ROUNDS = 3;
    static final int CLIENTS = 32;
    static final String TOOL = "probe__echo";
    /** Load runs at least this long, and until this many calls are acknowledged, before the kill. */
    static final Duration MIN_LOAD = Duration.ofMillis(1500);
    static final int MIN_ACKED = 200;

    /** A call whose successful answer reached the client. */
    record Ack(String correlationId, String message) {}

    private final List<Ack> acked = new ArrayList<>();
    /** Torn tails seen after a kill: file → bytes of the partial line. */
    private final Map<String, Long> tornBytes = new HashMap<>();
    private final AtomicLong numbers = new AtomicLong();
    private final List<GatewayProcess> processes = new ArrayList<>();
    private int unansweredBefore;

    @Test
    void killNineUnderLoadLosesNoAcknowledgedCallAndLeavesAJournalThatVerifies() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare("""
                # small files: batches often rotate, so a kill can land in a rotation
                audit: { max_file_bytes: 16384, checkpoint_every: 100 }
                servers:
                  probe: { command: node, args: ["%s"] }
                """.formatted(GatewayFixture.probe()));
        Path data = p.config().dataDir();
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                killUnderLoad(p, round);
            }

            GatewayProcess gw = start(p, "audit-crash-final");
            McpHttp http = new McpHttp(gw.mcpUrl(), p.key());
            String session = http.session();
            for (int i = 0; i < 20; i++) {
                acked.add(call(http, session, "after-" + numbers.incrementAndGet()).orElseThrow(
                        () -> new AssertionError("the restarted gateway does not serve calls")));
            }
            gw.stop();
            VerifyReport r = verifies(data, Optional.empty(), true);
            assertThat(r.firstSeq()).isEqualTo(1);
            assertThat(r.lastCheckpoint()).as("the clean stop checkpoints the last entry").get()
                    .extracting(c -> c.seq()).isEqualTo(r.lastSeq());
            assertEveryAcknowledgedCallIsIn(journal, acked);
            assertThat(recovered(journal)).as("each cut torn tail is recorded once, with its size").isEqualTo(tornBytes);
            System.out.printf("AuditCrashIT: %d acknowledged calls over %d kills, all in the journal of %d entries%n",
                    acked.size(), ROUNDS, r.entries());
        } finally {
            processes.forEach(GatewayProcess::killIfAlive);
            GatewayFixture.deleteTree(p.dir());
        }
    }

    /** Starts the gateway on the data directory, loads it, kills it, and checks the journal it left. */
    private void killUnderLoad(GatewayFixture.Prepared p, int round) throws Exception {
        Path data = p.config().dataDir();
        Path journal = data.resolve(Audit.JOURNAL_DIR);
        long t0 = System.nanoTime();
        GatewayProcess gw = start(p, "audit-crash-" + round);
        long t1 = System.nanoTime();
        Load load = Load.start(gw.mcpUrl(), p.key(), numbers);
        load.awaitAcked(MIN_LOAD, MIN_ACKED);
        long inFlight = load.inFlight();
        gw.kill9();
        long t2 = System.nanoTime();
        List<Ack> now = load.stop();
        assertThat(now).as("round %d: calls acknowledged before the kill", round).hasSizeGreaterThanOrEqualTo(MIN_ACKED);
        acked.addAll(now);

        Optional<String> torn = tornTail(journal);
        if (torn.isEmpty() && round == ROUNDS && tornBytes.isEmpty()) {
            torn = Optional.of(tear(journal));
        }
        torn.ifPresent(t -> tornBytes.put(t.substring(0, t.indexOf(':')), partialBytes(journal, t)));
        verifies(data, torn, torn.isPresent());
        int unanswered = assertEveryAcknowledgedCallIsIn(journal, acked) - unansweredBefore;
        unansweredBefore += unanswered;
        System.out.printf("AuditCrashIT round %d: %d calls acknowledged in %d ms of load, %d in flight at the kill,"
                + " %d calls in the journal never answered, torn tail: %s (gateway ready in %d ms)%n", round, now.size(),
                (t2 - t1) / 1_000_000, inFlight, unanswered, torn.orElse("none"), (t1 - t0) / 1_000_000);
    }

    private GatewayProcess start(GatewayFixture.Prepared p, String name) throws Exception {
        GatewayProcess gw = GatewayProcess.start(p, name);
        processes.add(gw);
        return gw;
    }

    // ---- the journal

    /**
     * The verifier accepts the journal, MACs and signatures checked, and names the torn tail when there
     * is one; with {@code cli}, {@code waygate audit verify DATA_DIR} in its own process says so too.
     */
    static VerifyReport verifies(Path data, Optional<String> torn, boolean cli) throws Exception {
        AuditKeys keys = AuditKeys.loadOrCreate(data);
        VerifyReport r = new Verifier(data.resolve(Audit.JOURNAL_DIR), Map.of(keys.hmacKeyId(), keys.hmacKey()),
                Map.of(keys.signingKeyId(), keys.publicKey())).verify();
        assertThat(r.intact()).as("%s at %s: %s", r.damage(), r.location(), r.detail()).isTrue();
        assertThat(r.unmacked()).isZero();
        assertThat(r.tornTail().map(t -> t.substring(0, t.indexOf(' ')))).isEqualTo(torn);
        if (cli) {
            Cli.Exit e = Cli.run(Map.of(), "audit", "verify", data.toString());
            assertThat(e.code()).as(e.stdout() + e.stderr()).isZero();
            assertThat(e.stdout()).contains("result:      intact");
            if (torn.isPresent()) {
                assertThat(e.stdout()).as("the verifier names the torn tail").contains("torn tail:   " + torn.get() + " (");
            } else {
                assertThat(e.stdout()).doesNotContain("torn tail");
            }
        }
        return r;
    }

    /** The complete entries, in chain order. */
    static List<JsonNode> entries(Path journal) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (JournalFiles.Name n : JournalFiles.list(journal)) {
            String text = Files.readString(journal.resolve(n.file()));
            int end = text.lastIndexOf('\n');
            for (String line : text.substring(0, end + 1).split("\n")) {
                if (!line.isEmpty()) {
                    out.add(Json.parse(line));
                }
            }
        }
        return out;
    }

    /** Returns how many calls in the journal were never acknowledged (cut off by the kill before their answer). */
    static int assertEveryAcknowledgedCallIsIn(Path journal, List<Ack> acked) throws IOException {
        Map<String, JsonNode> byCorrelation = new HashMap<>();
        for (JsonNode e : entries(journal)) {
            if (e.path("action").asText().equals("tools/call")) {
                JsonNode was = byCorrelation.put(e.path("correlation_id").asText(), e);
                assertThat(was).as("two entries for one call: %s", e).isNull();
            }
        }
        List<Ack> missing = new ArrayList<>();
        for (Ack a : acked) {
            JsonNode e = byCorrelation.get(a.correlationId());
            if (e == null) {
                missing.add(a);
                continue;
            }
            assertThat(e.path("target").asText()).isEqualTo(TOOL);
            assertThat(e.path("decision").asText()).isEqualTo("allow");
            assertThat(e.path("upstream_status").asText()).isEqualTo("ok");
            assertThat(e.path("args").path("message").asText()).isEqualTo(a.message());
        }
        assertThat(missing).as("acknowledged calls missing from the journal (of %d)", acked.size()).isEmpty();
        return byCorrelation.size() - acked.size();
    }

    /** {@code file:line} of a partial last line of the newest file, if there is one. */
    static Optional<String> tornTail(Path journal) throws IOException {
        List<JournalFiles.Name> names = JournalFiles.list(journal);
        if (names.isEmpty()) {
            return Optional.empty();
        }
        String file = names.getLast().file();
        byte[] all = Files.readAllBytes(journal.resolve(file));
        if (all.length == 0 || all[all.length - 1] == '\n') {
            return Optional.empty();
        }
        long lines = 1;
        for (byte b : all) {
            lines += b == '\n' ? 1 : 0;
        }
        return Optional.of(file + ":" + lines);
    }

    /** Appends the first half of a copy of the last entry, as a power cut in the middle of a write leaves it. */
    static String tear(Path journal) throws IOException {
        List<JournalFiles.Name> names = JournalFiles.list(journal);
        Path last = journal.resolve(names.getLast().file());
        List<JsonNode> all = entries(journal);
        String line = Json.write(all.getLast());
        Files.writeString(last, line.substring(0, line.length() / 2), StandardOpenOption.APPEND);
        return tornTail(journal).orElseThrow();
    }

    static long partialBytes(Path journal, String torn) {
        try {
            byte[] all = Files.readAllBytes(journal.resolve(torn.substring(0, torn.indexOf(':'))));
            int end = all.length - 1;
            while (end >= 0 && all[end] != '\n') {
                end--;
            }
            return all.length - (end + 1);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The audit.recovered entries: torn file → bytes cut. */
    static Map<String, Long> recovered(Path journal) throws IOException {
        Map<String, Long> out = new HashMap<>();
        for (JsonNode e : entries(journal)) {
            if (e.path("action").asText().equals(Events.RECOVERED)) {
                assertThat(out.put(e.path("target").asText(), e.path("args").path("torn_bytes").asLong())).isNull();
            }
        }
        return out;
    }

    // ---- calls

    /** One echo call; the ack when its successful answer came back. */
    static Optional<Ack> call(McpHttp http, String session, String message) throws IOException, InterruptedException {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + TOOL
                + "\",\"arguments\":{\"message\":\"" + message + "\"}}}";
        HttpResponse<String> r = http.post(body, McpHttp.headers(session));
        if (r.statusCode() != 200) {
            return Optional.empty();
        }
        JsonNode reply = McpHttp.reply(r);
        if (!reply.path("result").path("content").path(0).path("text").asText().equals("probe: " + message)) {
            return Optional.empty();
        }
        return Optional.of(new Ack(r.headers().firstValue(Correlation.RESPONSE_HEADER).orElseThrow(), message));
    }

    /** Clients on virtual threads, each in its own session, calling until stopped or the gateway is gone. */
    static final class Load {
        private final ConcurrentLinkedQueue<Ack> acked = new ConcurrentLinkedQueue<>();
        private final AtomicLong started = new AtomicLong();
        private final AtomicLong ended = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private final long begin = System.nanoTime();
        private volatile boolean stop;

        static Load start(String url, String key, AtomicLong numbers) {
            Load l = new Load();
            for (int i = 0; i < CLIENTS; i++) {
                l.threads.add(Thread.ofVirtual().start(() -> l.client(url, key, numbers)));
            }
            return l;
        }

        private void client(String url, String key, AtomicLong numbers) {
            try {
                McpHttp http = new McpHttp(url, key);
                String session = http.session();
                while (!stop) {
                    started.incrementAndGet();
                    call(http, session, "call-" + numbers.incrementAndGet()).ifPresent(acked::add);
                    ended.incrementAndGet();
                }
            } catch (IOException | InterruptedException | AssertionError e) {
                // the gateway was killed: this call was never acknowledged
            }
        }

        void awaitAcked(Duration min, int count) throws InterruptedException {
            long deadline = begin + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() - begin < min.toNanos() || acked.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        long inFlight() {
            return started.get() - ended.get();
        }

        List<Ack> stop() throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                assertThat(t.join(Duration.ofSeconds(30))).as("a client did not end").isTrue();
            }
            return List.copyOf(acked);
        }
    }
}
