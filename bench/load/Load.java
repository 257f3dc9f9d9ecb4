import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator of bench/load (run with the JDK's source launcher: {@code java Load.java}).
 * Speaks MCP Streamable HTTP over plain HTTP/1.1 keep-alive sockets, one per connection, so the
 * client's own cost stays small and equal for every target.
 *
 * <p>For each target: opens {@code --sessions} MCP sessions (initialize, notifications/initialized;
 * connections are spread over them round-robin), checks one tools/call, then
 * <ol>
 *   <li><b>saturation</b>: {@code --connections} closed loops for {@code --duration}: calls/s;</li>
 *   <li><b>fixed rate</b>: an open loop at half of that (wrk2-style): call k is due at
 *       start + k/rate and its latency is measured from that intended time, not from when a
 *       connection got free to send it, so a stall counts for every call it delays (no
 *       coordinated omission). Each fixed-rate phase follows {@code --settle} (default 5 s) at the
 *       same rate, not measured: the targets run one after another, so without it a target's
 *       measured phase would begin after minutes idle (while the others were measured), not in the
 *       steady state of that rate.</li>
 * </ol>
 * The CPU time (utime+stime) and peak RSS (VmHWM) of each target's process tree come from /proc.
 * Answers may be JSON or SSE (text/event-stream); either must carry the echoed text, or the call
 * counts as an error.
 *
 * <p>Other modes: {@code sessions} (idle-session memory: opens N sessions, then asks the JVM for
 * heap after a full GC via jcmd) and {@code ready} (time from exec to HTTP 200 on /ready).
 */
public final class Load {
    static final String TEXT = "bench-echo-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String PROTOCOL = "2025-06-18";
    static final long CALL_TIMEOUT_NANOS = 30_000_000_000L;

    record Target(String name, String host, int port, String path, long pid, String tool, List<String> headers) {
        static Target parse(String spec) {
            // name;url;pid;tool[;Header: value]...
            String[] p = spec.split(";");
            URI u = URI.create(p[1]);
            List<String> h = new ArrayList<>();
            for (int i = 4; i < p.length; i++) {
                h.add(p[i]);
            }
            return new Target(p[0], u.getHost(), u.getPort(), u.getRawPath(), Long.parseLong(p[2]), p[3], h);
        }
    }

    record Resp(int status, Map<String, String> headers, String body) {}

    /** One keep-alive HTTP/1.1 connection with a minimal parser (Content-Length, chunked, or read to close). */
    static final class Conn implements AutoCloseable {
        final Target t;
        Socket socket;
        InputStream in;
        OutputStream out;
        long deadline;

        Conn(Target t) throws IOException {
            this.t = t;
            open();
        }

        void open() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(t.host, t.port), 5000);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        }

        Resp post(String session, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder r = new StringBuilder(256).append("POST ").append(t.path).append(" HTTP/1.1\r\nHost: ")
                    .append(t.host).append(':').append(t.port)
                    .append("\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n")
                    .append("MCP-Protocol-Version: ").append(PROTOCOL).append("\r\n");
            if (session != null) {
                r.append("Mcp-Session-Id: ").append(session).append("\r\n");
            }
            for (String h : t.headers) {
                r.append(h).append("\r\n");
            }
            r.append("Content-Length: ").append(b.length).append("\r\n\r\n");
            if (socket.isClosed()) {
                open();
            }
            deadline = System.nanoTime() + CALL_TIMEOUT_NANOS;
            out.write(r.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
            return read();
        }

        private Resp read() throws IOException {
            String status = line();
            if (status == null) {
                throw new IOException("connection closed before a response");
            }
            int code = Integer.parseInt(status.substring(9, 12));
            Map<String, String> h = new LinkedHashMap<>();
            for (String l; (l = line()) != null && !l.isEmpty(); ) {
                int c = l.indexOf(':');
                h.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String te = h.get("transfer-encoding");
            String cl = h.get("content-length");
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                while (true) {
                    String size = line();
                    int semi = size.indexOf(';');
                    int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                    if (n == 0) {
                        while (!line().isEmpty()) { /* trailers */ }
                        break;
                    }
                    body.write(in.readNBytes(n));
                    line();
                    checkDeadline();
                }
            } else if (cl != null) {
                body.write(in.readNBytes(Integer.parseInt(cl)));
            } else if (code != 204 && code != 304 && code / 100 != 1) {
                in.transferTo(body);
                socket.close();
            }
            if ("close".equalsIgnoreCase(h.get("connection"))) {
                socket.close();
            }
            return new Resp(code, h, body.toString(StandardCharsets.UTF_8));
        }

        /** An SSE stream that sends only keep-alives would otherwise never end. */
        private void checkDeadline() throws IOException {
            if (System.nanoTime() - deadline > 0) {
                socket.close();
                throw new IOException("no complete answer within " + CALL_TIMEOUT_NANOS / 1_000_000_000L + " s");
            }
        }

        private String line() throws IOException {
            StringBuilder s = new StringBuilder(64);
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int n = s.length();
                    return n > 0 && s.charAt(n - 1) == '\r' ? s.substring(0, n - 1) : s.toString();
                }
                s.append((char) c);
            }
            return s.isEmpty() ? null : s.toString();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // gone
            }
        }
    }

    /** Opens a session; tries three times, since a cold gateway on a busy machine can take long over its first requests. */
    static String initialize(Target t) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return initializeOnce(t);
            } catch (java.net.SocketTimeoutException e) {
                if (attempt == 3) {
                    throw new IOException(t.name + ": initialize: no answer in time, three times", e);
                }
            }
        }
    }

    static String initializeOnce(Target t) throws IOException {
        try (Conn c = new Conn(t)) {
            Resp r = c.post(null, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\""
                    + PROTOCOL + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench-load\",\"version\":\"1\"}}}");
            String sid = r.headers.get("mcp-session-id");
            if (r.status != 200 || sid == null || !r.body.contains("\"result\"")) {
                throw new IOException(t.name + ": initialize: HTTP " + r.status + " session " + sid + ": " + abbreviate(r.body));
            }
            Resp n = c.post(sid, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            if (n.status / 100 != 2) {
                throw new IOException(t.name + ": notifications/initialized: HTTP " + n.status + ": " + abbreviate(n.body));
            }
            return sid;
        }
    }

    static String callBody(Target t, long id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + t.tool
                + "\",\"arguments\":{\"text\":\"" + TEXT + "\"}}}";
    }

    /** One tools/call; null when it succeeded, else what went wrong. */
    static String call(Conn c, String session, long id) {
        try {
            Resp r = c.post(session, callBody(c.t, id));
            if (r.status == 200 && r.body.contains(TEXT) && r.body.contains("\"result\"") && !r.body.contains("\"isError\":true")) {
                return null;
            }
            return "HTTP " + r.status + ": " + abbreviate(r.body);
        } catch (IOException | RuntimeException e) {
            c.close();
            return e.toString();
        }
    }

    static String abbreviate(String s) {
        s = s.replace('\n', ' ');
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    // ---- process accounting from /proc

    record Usage(long cpuTicks, long rssPeakKb, long frontRssPeakKb, int processes) {}

    static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    static List<Long> tree(long root) {
        Map<Long, List<Long>> children = new LinkedHashMap<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String n = d.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(Long.parseLong(n));
                } catch (IOException | RuntimeException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return List.of(root);
        }
        List<Long> all = new ArrayList<>(List.of(root));
        for (int i = 0; i < all.size(); i++) {
            all.addAll(children.getOrDefault(all.get(i), List.of()));
        }
        return all;
    }

    /**
     * The machine's steal ticks and all its ticks so far (the first line of /proc/stat): steal is
     * time a virtual machine's host ran something else while this machine had work. Zeros when
     * unreadable.
     */
    static long[] hostTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                total += Long.parseLong(f[i]);
            }
            return new long[] {f.length > 8 ? Long.parseLong(f[8]) : 0, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    static Usage usage(long root) {
        long ticks = 0, rss = 0, front = 0;
        List<Long> pids = tree(root);
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (l.startsWith("VmHWM:")) {
                        long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                        rss += kb;
                        if (pid == root) {
                            front = kb;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // exited meanwhile
            }
        }
        return new Usage(ticks, rss, front, pids.size());
    }

    // ---- the two loops

    /** @param stealPct the share of the machine's CPU time its host gave to others during the phase (/proc/stat steal) */
    record Phase(String kind, double offeredRate, long ok, long errors, double seconds, long[] latenciesNanos,
                 long cpuTicks, Usage after, String firstError, double stealPct) {
        double rate() {
            return ok / seconds;
        }

        double pct(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(latenciesNanos.length - 1, Math.ceil(p / 100.0 * latenciesNanos.length) - 1);
            return latenciesNanos[Math.max(0, i)] / 1e6;
        }

        double cpuMsPerKiloCall() {
            return ok == 0 ? Double.NaN : cpuTicks * (1000.0 / TICKS_PER_SECOND) / (ok / 1000.0);
        }

        double cpuCores() {
            return cpuTicks / (double) TICKS_PER_SECOND / seconds;
        }
    }

    static final class Recorder {
        long[] lat = new long[1 << 14];
        int n;
        long ok;
        long errors;
        String firstError;

        void record(long nanos, String error) {
            if (error != null) {
                errors++;
                if (firstError == null) {
                    firstError = error;
                }
                return;
            }
            ok++;
            if (n == lat.length) {
                lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = nanos;
        }
    }

    /** rate <= 0: closed loop (saturation); else open loop at that many calls per second in total. */
    static Phase run(Target t, List<String> sessions, int connections, double seconds, double rate, boolean keep)
            throws Exception {
        List<Conn> conns = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            conns.add(new Conn(t));
        }
        Recorder[] recs = new Recorder[connections];
        AtomicLong next = new AtomicLong();
        AtomicLong ids = new AtomicLong(1);
        Usage before = usage(t.pid);
        long[] hostBefore = hostTicks();
        long start = System.nanoTime() + 20_000_000L;
        long end = start + (long) (seconds * 1e9);
        double interval = rate > 0 ? 1e9 / rate : 0;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Conn c = conns.get(i);
            String sid = sessions.get(i % sessions.size());
            Recorder rec = recs[i] = new Recorder();
            threads.add(Thread.ofPlatform().name("load-" + i).start(() -> {
                while (true) {
                    long intended;
                    if (rate > 0) {
                        intended = start + (long) (next.getAndIncrement() * interval);
                        if (intended >= end) {
                            return;
                        }
                        long wait;
                        while ((wait = intended - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    } else {
                        intended = System.nanoTime();
                        if (intended < start) {
                            LockSupport.parkNanos(start - intended);
                            intended = System.nanoTime();
                        }
                        if (intended >= end) {
                            return;
                        }
                    }
                    String err = call(c, sid, ids.getAndIncrement());
                    rec.record(System.nanoTime() - intended, err);
                    if (err != null && c.socket.isClosed()) {
                        try {
                            c.open();
                        } catch (IOException e) {
                            LockSupport.parkNanos(10_000_000L);
                        }
                    }
                }
            }));
        }
        for (Thread th : threads) {
            th.join();
        }
        double took = Math.max(seconds, (System.nanoTime() - start) / 1e9);
        Usage after = usage(t.pid);
        conns.forEach(Conn::close);
        long ok = 0, errors = 0, n = 0;
        String firstError = null;
        for (Recorder r : recs) {
            ok += r.ok;
            errors += r.errors;
            n += r.n;
            if (firstError == null) {
                firstError = r.firstError;
            }
        }
        long[] all = new long[(int) n];
        int k = 0;
        for (Recorder r : recs) {
            System.arraycopy(r.lat, 0, all, k, r.n);
            k += r.n;
        }
        Arrays.sort(all);
        long[] hostAfter = hostTicks();
        double steal = hostAfter[1] - hostBefore[1] <= 0 ? Double.NaN
                : 100.0 * (hostAfter[0] - hostBefore[0]) / (hostAfter[1] - hostBefore[1]);
        return new Phase(rate > 0 ? "fixed_rate" : "saturation", rate, ok, errors, took, keep ? all : all,
                after.cpuTicks - before.cpuTicks, after, firstError, steal);
    }

    // ---- main

    static final Map<String, String> opts = new LinkedHashMap<>();
    static final List<String> targets = new ArrayList<>();
    static final List<String> rest = new ArrayList<>();

    static double seconds(String s) {
        s = s.trim();
        if (s.endsWith("ms")) {
            return Double.parseDouble(s.substring(0, s.length() - 2)) / 1000;
        }
        if (s.endsWith("s")) {
            return Double.parseDouble(s.substring(0, s.length() - 1));
        }
        if (s.endsWith("m")) {
            return Double.parseDouble(s.substring(0, s.length() - 1)) * 60;
        }
        return Double.parseDouble(s);
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "run";
        for (int i = mode.equals("run") && (args.length == 0 || args[0].startsWith("--")) ? 0 : 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                rest.addAll(Arrays.asList(args).subList(i + 1, args.length));
                break;
            } else if (a.equals("--target")) {
                targets.add(args[++i]);
            } else if (a.startsWith("--")) {
                opts.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        switch (mode) {
            case "run" -> loadRun();
            case "sessions" -> Scale.sessions();
            case "ready" -> Scale.ready();
            case "startup" -> Startup.run();
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    record Result(Target target, Phase saturation, Phase fixed, Phase fixedAtReference) {}

    /** The unmeasured lead-in of a fixed-rate phase, at its rate (none when {@code seconds} is 0). */
    static void settle(Target t, List<String> sessions, int connections, double seconds, double rate) throws Exception {
        if (seconds > 0) {
            run(t, sessions, connections, seconds, rate, false);
        }
    }

    static void loadRun() throws Exception {
        double duration = seconds(opts.getOrDefault("duration", "10s"));
        double warmup = seconds(opts.getOrDefault("warmup", "60s"));
        int connections = Integer.parseInt(opts.getOrDefault("connections", "16"));
        int sessionCount = Integer.parseInt(opts.getOrDefault("sessions", "4"));
        String reference = opts.getOrDefault("reference", "waygate");
        String baseline = opts.getOrDefault("baseline", "direct");
        double fixedRate = Double.parseDouble(opts.getOrDefault("rate", "0")); // 0: half of each target's saturation
        double settle = seconds(opts.getOrDefault("settle", "5s"));
        Path out = Path.of(opts.getOrDefault("out", "bench-load.json"));
        List<Target> ts = targets.stream().map(Target::parse).toList();
        Map<String, List<String>> sessions = new LinkedHashMap<>();
        Map<String, Phase> sat = new LinkedHashMap<>();
        Map<String, Phase> fixed = new LinkedHashMap<>();
        Phase baselineAtReference = null;
        long loadCpu0 = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();

        for (Target t : ts) {
            List<String> s = new ArrayList<>();
            for (int i = 0; i < sessionCount; i++) {
                s.add(initialize(t));
            }
            sessions.put(t.name, s);
            try (Conn c = new Conn(t)) {
                String err = call(c, s.get(0), 1);
                if (err != null) {
                    throw new IOException(t.name + ": tools/call " + t.tool + " failed: " + err);
                }
            }
            log("%s: %d sessions open; warming up %.0fs", t.name, s.size(), warmup);
            run(t, s, connections, warmup, 0, false);
            Phase p = run(t, s, connections, duration, 0, true);
            sat.put(t.name, p);
            log("%s: saturation %,.0f calls/s (%d errors; host steal %.1f%%)%s", t.name, p.rate(), p.errors, p.stealPct(),
                    p.firstError == null ? "" : ", first: " + p.firstError);
        }
        for (Target t : ts) {
            double rate = fixedRate > 0 ? fixedRate : Math.max(1, Math.floor(sat.get(t.name).rate() / 2));
            settle(t, sessions.get(t.name), connections, settle, rate);
            Phase p = run(t, sessions.get(t.name), connections, duration, rate, true);
            fixed.put(t.name, p);
            log("%s: at %,.0f/s: p50 %.3f ms, p99 %.3f ms (%d errors; host steal %.1f%%)", t.name, rate, p.pct(50), p.pct(99), p.errors,
                    p.stealPct());
        }
        Target base = ts.stream().filter(t -> t.name.equals(baseline)).findFirst().orElse(null);
        if (base != null && sat.containsKey(reference) && !reference.equals(baseline)) {
            double rate = fixedRate > 0 ? fixedRate : Math.max(1, Math.floor(sat.get(reference).rate() / 2));
            settle(base, sessions.get(base.name), connections, settle, rate);
            baselineAtReference = run(base, sessions.get(base.name), connections, duration, rate, true);
            log("%s at %s's rate %,.0f/s: p50 %.3f ms, p99 %.3f ms (host steal %.1f%%)", baseline, reference, rate,
                    baselineAtReference.pct(50), baselineAtReference.pct(99), baselineAtReference.stealPct());
        }
        long loadCpu = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime() - loadCpu0;
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();

        Report.print(ts, sat, fixed, baselineAtReference, reference, baseline, connections, sessionCount, duration, warmup, load0, load1);
        Report.json(out, ts, sat, fixed, baselineAtReference, reference, baseline, connections, sessionCount, duration, warmup,
                load0, load1, loadCpu);
        boolean broken = sat.values().stream().anyMatch(p -> p.ok == 0);
        if (broken) {
            System.err.println("load: a target answered no call successfully");
            System.exit(1);
        }
    }

    static void log(String fmt, Object... args) {
        System.err.println("load: " + String.format(Locale.ROOT, fmt, args));
    }
}
