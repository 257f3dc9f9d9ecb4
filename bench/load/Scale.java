import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The scale measurements of {@link Load}: memory per idle session, and time from exec to ready. */
final class Scale {
    private Scale() {}

    /**
     * {@code sessions --target SPEC --count N --jcmd PATH}: heap used after a full GC (jcmd GC.run,
     * then GC.heap_info) before and after opening N sessions that then stay idle; checks the first
     * and the last session still answer a call.
     */
    static void sessions() throws Exception {
        Load.Target t = Load.Target.parse(Load.targets.get(0));
        int count = Integer.parseInt(Load.opts.getOrDefault("count", "10000"));
        String jcmd = Load.opts.get("jcmd");
        long before = heapAfterGc(jcmd, t.pid());
        Load.Usage u0 = Load.usage(t.pid());
        long t0 = System.nanoTime();
        String[] ids = new String[count];
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int w = 0; w < 8; w++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    try {
                        ids[i] = Load.initialize(t);
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            }));
        }
        for (Thread th : threads) {
            th.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        double openSeconds = (System.nanoTime() - t0) / 1e9;
        long after = heapAfterGc(jcmd, t.pid());
        Load.Usage u1 = Load.usage(t.pid());
        try (Load.Conn c = new Load.Conn(t)) {
            for (String id : new String[] {ids[0], ids[count - 1]}) {
                String err = Load.call(c, id, 1);
                if (err != null) {
                    throw new IOException("an idle session no longer answers: " + err);
                }
            }
        }
        double perThousand = (after - before) / 1024.0 / (count / 1000.0);
        System.out.println(String.format(Locale.ROOT,
                "%s: %,d idle sessions opened in %.1fs; heap after full GC %.1f MB -> %.1f MB: %.2f MB per 1,000 sessions; "
                        + "RSS %.0f MB -> %.0f MB", t.name(), count, openSeconds, before / 1024.0, after / 1024.0, perThousand,
                u0.frontRssPeakKb() / 1024.0, u1.frontRssPeakKb() / 1024.0));
        System.out.println(String.format(Locale.ROOT,
                "{\"sessions\": %d, \"open_seconds\": %.2f, \"heap_kb_before\": %d, \"heap_kb_after\": %d, \"mb_per_1000_sessions\": %.3f, "
                        + "\"rss_peak_kb_before\": %d, \"rss_peak_kb_after\": %d}", count, openSeconds, before, after, perThousand,
                u0.frontRssPeakKb(), u1.frontRssPeakKb()));
    }

    private static final Pattern USED = Pattern.compile("heap\\s+total.*?used (\\d+)K");

    static long heapAfterGc(String jcmd, long pid) throws Exception {
        run(jcmd, Long.toString(pid), "GC.run");
        String info = run(jcmd, Long.toString(pid), "GC.heap_info");
        Matcher m = USED.matcher(info);
        if (!m.find()) {
            throw new IOException("cannot read the heap from jcmd GC.heap_info: " + info);
        }
        return Long.parseLong(m.group(1));
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /**
     * {@code ready --url URL [--runs N] [--calls SPEC] -- COMMAND...}: starts COMMAND, polls URL
     * every 2 ms until HTTP 200, stops it (SIGTERM) and reports each run's milliseconds and the median.
     */
    static void ready() throws Exception {
        URI url = URI.create(Load.opts.get("url"));
        int runs = Integer.parseInt(Load.opts.getOrDefault("runs", "3"));
        List<String> cmd = Load.rest;
        List<Double> ms = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                while (status(url) != 200) {
                    if (!p.isAlive()) {
                        throw new IOException("the process exited with " + p.exitValue() + " before it was ready: " + cmd);
                    }
                    if (System.nanoTime() - t0 > 60_000_000_000L) {
                        throw new IOException("not ready after 60 s: " + cmd);
                    }
                    Thread.sleep(2);
                }
                ms.add((System.nanoTime() - t0) / 1e6);
                cpu.add(Load.usage(p.pid()).cpuTicks() * 1000.0 / Load.TICKS_PER_SECOND);
                if (Load.opts.containsKey("calls")) {
                    // a training workload for an AOT cache: a few sessions and calls
                    Load.Target t = Load.Target.parse(Load.opts.get("calls"));
                    for (int i = 0; i < 20; i++) {
                        String sid = Load.initialize(t);
                        try (Load.Conn c = new Load.Conn(t)) {
                            for (int k = 0; k < 50; k++) {
                                String err = Load.call(c, sid, k + 1);
                                if (err != null) {
                                    throw new IOException("training call failed: " + err);
                                }
                            }
                        }
                    }
                }
            } finally {
                p.destroy();
                // a training run writes its AOT cache on exit, which takes a while
                if (!p.waitFor(Load.opts.containsKey("calls") ? 300 : 30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
        }
        System.out.println(String.format(Locale.ROOT, "start to ready: median %.0f ms wall clock (runs: %s); "
                        + "CPU time used by then (gateway + upstream): median %.0f ms (runs: %s)", median(ms), list(ms), median(cpu), list(cpu)));
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    static List<String> list(List<Double> v) {
        return v.stream().map(d -> String.format(Locale.ROOT, "%.0f", d)).toList();
    }

    static int status(URI url) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 1000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] head = s.getInputStream().readNBytes(12);
            return head.length == 12 ? Integer.parseInt(new String(head, 9, 3, StandardCharsets.ISO_8859_1)) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
