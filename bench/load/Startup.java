import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code startup --variants FILE --runs N --out FILE.json}: time from exec to HTTP 200 on
 * {@code /ready} for several ways of starting the gateway, run interleaved (round r starts every
 * variant once, in turn) so that a change of load on the machine touches all of them alike; prints a
 * Markdown table of medians and writes every run to the JSON file.
 *
 * <p>FILE has one variant a line, tab-separated: name, the ready URL, then the command and its
 * arguments. For each run: the wall clock to ready; the CPU time by then of the JVM (utime+stime
 * of the process), of its JIT compiler threads (C1/C2, part of the JVM's), of the Java main thread
 * (config, store, Jetty: the critical path) and of its child processes
 * (the upstreams); and the number of classes loaded (from {@code -Xlog:class+load} when the
 * command asks for it with {@code LOG_CLASSES} in place of a file name).
 */
final class Startup {
    private Startup() {}

    record Variant(String name, URI ready, List<String> command) {}

    record Run(String variant, int round, double wallMs, double jvmCpuMs, double jitCpuMs, double mainCpuMs,
               double childCpuMs, long classes) {}

    static void run() throws Exception {
        List<Variant> variants = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(Load.opts.get("variants")))) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            variants.add(new Variant(f[0], URI.create(f[1]), List.of(f).subList(2, f.length)));
        }
        int runs = Integer.parseInt(Load.opts.getOrDefault("runs", "5"));
        Path out = Path.of(Load.opts.getOrDefault("out", "startup.json"));
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        List<Run> all = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            for (Variant v : variants) {
                Run one = once(v, r);
                all.add(one);
                System.err.printf(Locale.ROOT, "startup: round %d/%d %-28s %6.0f ms wall, JVM CPU %5.0f ms (JIT %4.0f, main %4.0f), upstreams %4.0f ms%s%n",
                        r, runs, v.name(), one.wallMs(), one.jvmCpuMs(), one.jitCpuMs(), one.mainCpuMs(), one.childCpuMs(),
                        one.classes() > 0 ? ", " + one.classes() + " classes" : "");
            }
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();

        StringBuilder table = new StringBuilder();
        table.append("| variant | wall ms | CPU ms (all) | JVM CPU ms | of which JIT | main thread ms | upstream CPU ms | classes |\n");
        table.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder json = new StringBuilder("{\n  \"nproc\": " + Runtime.getRuntime().availableProcessors()
                + ",\n  \"loadavg_before\": \"" + load0 + "\",\n  \"loadavg_after\": \"" + load1 + "\",\n  \"runs_per_variant\": " + runs
                + ",\n  \"variants\": [\n");
        for (int i = 0; i < variants.size(); i++) {
            Variant v = variants.get(i);
            List<Run> mine = all.stream().filter(x -> x.variant().equals(v.name())).toList();
            double wall = median(mine, Run::wallMs), cpu = median(mine, Run::jvmCpuMs), jit = median(mine, Run::jitCpuMs),
                    main = median(mine, Run::mainCpuMs), child = median(mine, Run::childCpuMs);
            long classes = (long) median(mine, x -> (double) x.classes());
            double total = median(mine, x -> x.jvmCpuMs() + x.childCpuMs());
            table.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %s |\n", v.name(), wall, total, cpu, jit,
                    main, child, classes > 0 ? String.format(Locale.ROOT, "%,d", classes) : ""));
            json.append(String.format(Locale.ROOT, "    {\"name\": \"%s\", \"command\": %s, \"median\": {\"wall_ms\": %.0f, \"total_cpu_ms\": %.0f, "
                            + "\"jvm_cpu_ms\": %.0f, \"jit_cpu_ms\": %.0f, \"main_thread_cpu_ms\": %.0f, \"upstream_cpu_ms\": %.0f, "
                            + "\"classes\": %d},\n      \"runs\": [", v.name(), jsonList(v.command()), wall, total, cpu, jit, main, child,
                    classes));
            for (int k = 0; k < mine.size(); k++) {
                Run x = mine.get(k);
                json.append(String.format(Locale.ROOT, "%s{\"round\": %d, \"wall_ms\": %.0f, \"jvm_cpu_ms\": %.0f, \"jit_cpu_ms\": %.0f, "
                                + "\"main_thread_cpu_ms\": %.0f, \"upstream_cpu_ms\": %.0f, \"classes\": %d}", k == 0 ? "" : ", ",
                        x.round(), x.wallMs(), x.jvmCpuMs(), x.jitCpuMs(), x.mainCpuMs(), x.childCpuMs(), x.classes()));
            }
            json.append("]}").append(i + 1 < variants.size() ? ",\n" : "\n");
        }
        json.append("  ]\n}\n");
        Files.writeString(out, json);
        System.out.println();
        System.out.print(table);
        System.out.println();
        System.out.println("Medians of " + runs + " runs each, interleaved; load average " + load0.substring(0, load0.indexOf(' ', 10))
                + " -> " + load1.substring(0, load1.indexOf(' ', 10)) + " on " + Runtime.getRuntime().availableProcessors()
                + " cores. JSON: " + out);
    }

    static Run once(Variant v, int round) throws Exception {
        Path classLog = null;
        List<String> cmd = new ArrayList<>();
        for (String a : v.command()) {
            if (a.contains("LOG_CLASSES")) {
                classLog = Files.createTempFile("startup-classes", ".txt");
                a = a.replace("LOG_CLASSES", classLog.toString());
            }
            cmd.add(a);
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            while (Scale.status(v.ready()) != 200) {
                if (!p.isAlive()) {
                    throw new IOException(v.name() + ": the process exited with " + p.exitValue() + " before it was ready: " + cmd);
                }
                if (System.nanoTime() - t0 > 120_000_000_000L) {
                    throw new IOException(v.name() + ": not ready after 120 s: " + cmd);
                }
                Thread.sleep(5);
            }
            double wall = (System.nanoTime() - t0) / 1e6;
            // The process's own stat counts the threads that already ended too (a task list would miss them).
            long jvm = ticks(Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"))), jit = 0, main = 0;
            try (var tasks = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        long ticks = ticks(Files.readString(t.resolve("stat")));
                        String comm = Files.readString(t.resolve("comm")).strip();
                        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                            jit += ticks;
                        } else if (comm.equals("java") || comm.equals("main")) {
                            // the launcher's thread (idle) and the Java main thread, which Linux names after the binary
                            main += ticks;
                        }
                    } catch (IOException e) {
                        // the thread ended meanwhile
                    }
                }
            }
            long tree = Load.usage(p.pid()).cpuTicks();
            double tick = 1000.0 / Load.TICKS_PER_SECOND;
            long classes = 0;
            if (classLog != null) {
                try (var lines = Files.lines(classLog)) {
                    classes = lines.filter(l -> l.contains("[class,load]")).count();
                }
            }
            return new Run(v.name(), round, wall, jvm * tick, jit * tick, main * tick, Math.max(0, tree - jvm) * tick, classes);
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
            if (classLog != null) {
                Files.deleteIfExists(classLog);
            }
        }
    }

    /** utime + stime of one /proc stat line. */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v.length == 0 ? 0 : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String jsonList(List<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (String s : items) {
            b.append(b.length() > 1 ? ", " : "").append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return b.append(']').toString();
    }

}
