package dev.waygate.it;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code waygate} as a separate process, run from this build's classes with the test JVM's java
 * and class path: what bin/waygate runs, without needing the packaged jar.
 */
final class Cli {
    private Cli() {}

    record Exit(int code, String stdout, String stderr) {}

    /** The command line: {@code java ... dev.waygate.cli.Main ARGS}. */
    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.waygate.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs it with only PATH, HOME and {@code env} in its environment and an empty stdin; waits for its exit. */
    static Exit run(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        pb.environment().keySet().retainAll(List.of("PATH", "HOME"));
        pb.environment().putAll(env);
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "";
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("waygate " + String.join(" ", args) + " did not exit");
        }
        return new Exit(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
    }
}
