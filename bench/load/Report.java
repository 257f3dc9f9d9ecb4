import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The table {@link Load} prints and the JSON it writes. */
final class Report {
    private Report() {}

    static String f(String fmt, Object... a) {
        return String.format(Locale.ROOT, fmt, a);
    }

    static void print(List<Load.Target> ts, Map<String, Load.Phase> sat, Map<String, Load.Phase> fixed, Load.Phase baseAtRef,
                      String reference, String baseline, int connections, int sessions, double duration, double warmup,
                      String load0, String load1) {
        StringBuilder o = new StringBuilder();
        o.append(f("%n%d connections over %d MCP sessions per target, %.0fs per phase after %.0fs of warm-up; %d cores; load average %s at the start, %s at the end%n%n",
                connections, sessions, duration, warmup, Runtime.getRuntime().availableProcessors(), first3(load0), first3(load1)));
        o.append("| target | calls/s at saturation | errors | CPU (cores) | CPU ms per 1k calls | peak RSS MB (front / all processes) "
                + "| offered rate /s | p50 ms | p99 ms | p99.9 ms | max ms | errors |\n");
        o.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Load.Target t : ts) {
            Load.Phase s = sat.get(t.name());
            Load.Phase x = fixed.get(t.name());
            o.append(f("| %s | %,.0f | %d | %.2f | %.1f | %.0f / %.0f (%d) | %,.0f | %.3f | %.3f | %.3f | %.3f | %d |%n", t.name(),
                    s.rate(), s.errors(), s.cpuCores(), s.cpuMsPerKiloCall(), x.after().frontRssPeakKb() / 1024.0,
                    x.after().rssPeakKb() / 1024.0, x.after().processes(), x.offeredRate(), x.pct(50), x.pct(99), x.pct(99.9), x.pct(100),
                    x.errors()));
        }
        if (baseAtRef != null) {
            o.append(f("| %s at %s's rate | | | | | | %,.0f | %.3f | %.3f | %.3f | %.3f | %d |%n", baseline, reference,
                    baseAtRef.offeredRate(), baseAtRef.pct(50), baseAtRef.pct(99), baseAtRef.pct(99.9), baseAtRef.pct(100), baseAtRef.errors()));
        }
        o.append("\nhost steal (CPU time the virtual machine's host gave to others) in the fixed-rate phases:");
        for (Load.Target t : ts) {
            o.append(f(" %s %.1f%%", t.name(), fixed.get(t.name()).stealPct()));
        }
        if (baseAtRef != null) {
            o.append(f(", %s at %s's rate %.1f%%", baseline, reference, baseAtRef.stealPct()));
        }
        o.append(f("%nabove a few percent, latency tails are the host's as much as the targets'%n"));
        Load.Phase ref = sat.get(reference);
        if (ref != null) {
            o.append('\n');
            for (Load.Target t : ts) {
                if (t.name().equals(reference)) {
                    continue;
                }
                Load.Phase s = sat.get(t.name());
                o.append(f("%s / %s: %.2f× the calls/s, %.2f× the CPU per call%n", reference, t.name(), ref.rate() / s.rate(),
                        ref.cpuMsPerKiloCall() / s.cpuMsPerKiloCall()));
            }
            Load.Phase rx = fixed.get(reference);
            if (baseAtRef != null && rx != null) {
                o.append(f("added latency (%s minus %s, both at %,.0f/s): p50 %+.3f ms, p99 %+.3f ms%n", reference, baseline,
                        rx.offeredRate(), rx.pct(50) - baseAtRef.pct(50), rx.pct(99) - baseAtRef.pct(99)));
            }
        }
        System.out.print(o);
        System.out.flush();
    }

    static String first3(String loadavg) {
        String[] p = loadavg.split(" ");
        return p[0] + " " + p[1] + " " + p[2];
    }

    static String num(double d) {
        return Double.isFinite(d) ? f("%.4f", d) : "null";
    }

    static String phase(Load.Phase p) {
        return f("{\"kind\":\"%s\",\"offered_rate\":%s,\"ok\":%d,\"errors\":%d,\"seconds\":%s,\"calls_per_second\":%s,"
                        + "\"latency_ms\":{\"p50\":%s,\"p90\":%s,\"p99\":%s,\"p99_9\":%s,\"max\":%s},"
                        + "\"cpu_seconds\":%s,\"cpu_cores\":%s,\"cpu_ms_per_1k_calls\":%s,\"rss_peak_kb_all\":%d,\"rss_peak_kb_front\":%d,"
                        + "\"processes\":%d,\"host_steal_pct\":%s,\"first_error\":%s}",
                p.kind(), num(p.offeredRate()), p.ok(), p.errors(), num(p.seconds()), num(p.rate()), num(p.pct(50)), num(p.pct(90)),
                num(p.pct(99)), num(p.pct(99.9)), num(p.pct(100)), num(p.cpuTicks() / (double) Load.TICKS_PER_SECOND),
                num(p.cpuCores()), num(p.cpuMsPerKiloCall()), p.after().rssPeakKb(), p.after().frontRssPeakKb(),
                p.after().processes(), num(p.stealPct()), p.firstError() == null ? "null" : quote(p.firstError()));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(f("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    static void json(Path out, List<Load.Target> ts, Map<String, Load.Phase> sat, Map<String, Load.Phase> fixed, Load.Phase baseAtRef,
                     String reference, String baseline, int connections, int sessions, double duration, double warmup,
                     String load0, String load1, long loadGeneratorCpuNanos) throws IOException {
        StringBuilder o = new StringBuilder("{\n");
        o.append(f("  \"cores\": %d,\n  \"loadavg_start\": %s,\n  \"loadavg_end\": %s,\n  \"java\": %s,\n",
                Runtime.getRuntime().availableProcessors(), quote(load0), quote(load1), quote(System.getProperty("java.version"))));
        o.append(f("  \"connections\": %d,\n  \"sessions\": %d,\n  \"phase_seconds\": %s,\n  \"warmup_seconds\": %s,\n  \"load_generator_cpu_seconds\": %s,\n",
                connections, sessions, num(duration), num(warmup), num(loadGeneratorCpuNanos / 1e9)));
        o.append(f("  \"reference\": %s,\n  \"baseline\": %s,\n  \"targets\": [\n", quote(reference), quote(baseline)));
        for (int i = 0; i < ts.size(); i++) {
            Load.Target t = ts.get(i);
            o.append(f("    {\"name\": %s, \"url\": %s, \"tool\": %s,\n     \"saturation\": %s,\n     \"fixed_rate\": %s}%s%n",
                    quote(t.name()), quote("http://" + t.host() + ":" + t.port() + t.path()), quote(t.tool()),
                    phase(sat.get(t.name())), phase(fixed.get(t.name())), i + 1 < ts.size() ? "," : ""));
        }
        o.append("  ]");
        if (baseAtRef != null) {
            o.append(",\n  \"baseline_at_reference_rate\": ").append(phase(baseAtRef));
            Load.Phase rx = fixed.get(reference);
            if (rx != null) {
                o.append(f(",\n  \"added_latency_ms\": {\"p50\": %s, \"p99\": %s}", num(rx.pct(50) - baseAtRef.pct(50)),
                        num(rx.pct(99) - baseAtRef.pct(99))));
            }
        }
        Load.Phase ref = sat.get(reference);
        if (ref != null) {
            o.append(",\n  \"ratios\": {");
            String sep = "";
            for (Load.Target t : ts) {
                if (!t.name().equals(reference)) {
                    o.append(sep).append(f("%s: {\"throughput\": %s, \"cpu_per_call\": %s}", quote(reference + "/" + t.name()),
                            num(ref.rate() / sat.get(t.name()).rate()),
                            num(ref.cpuMsPerKiloCall() / sat.get(t.name()).cpuMsPerKiloCall())));
                    sep = ", ";
                }
            }
            o.append('}');
        }
        o.append("\n}\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, o);
    }
}
