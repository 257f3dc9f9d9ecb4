package dev.waygate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --config FILE} runs without picocli (for start-up time): it must fail exactly as
 * the picocli path does, and every other command line must still reach picocli.
 */
class ServeStartTest {
    @TempDir
    Path dir;

    record Outcome(int code, List<String> errors) {}

    @Test
    void theShortPathFailsExactlyAsPicocliDoes() throws IOException {
        Path missing = dir.resolve("missing.yaml");
        Path unknownKey = Files.writeString(dir.resolve("unknown.yaml"), "version: 1\nlisten: 127.0.0.1:0\nlsiten: x\n");
        Path syntax = Files.writeString(dir.resolve("syntax.yaml"), "version: 1\nservers: [\n");
        Path badServer = CliTest.BROKEN.resolve("args-not-list.yaml");
        for (Path f : List.of(missing, unknownKey, syntax, badServer)) {
            Outcome viaPicocli = capture(() -> Main.parseAndRun(System::getenv, "serve", "--config", f.toString()));
            Outcome shortPath = capture(() -> Main.run(System::getenv, "serve", "--config", f.toString()));
            Outcome shortPathEquals = capture(() -> Main.run(System::getenv, "serve", "--config=" + f));

            assertThat(viaPicocli.code()).as(f.toString()).isEqualTo(Main.USAGE);
            assertThat(viaPicocli.errors()).as(f.toString()).singleElement().asString().startsWith("waygate: " + f);
            assertThat(shortPath).as(f.toString()).isEqualTo(viaPicocli);
            assertThat(shortPathEquals).as(f.toString()).isEqualTo(viaPicocli);
        }
    }

    @Test
    void onlyTheExactServeCommandLineSkipsPicocli() {
        assertThat(Main.serveConfig("serve", "--config", "a.yaml")).isEqualTo(Path.of("a.yaml"));
        assertThat(Main.serveConfig("serve", "--config=/etc/waygate/waygate.yaml")).isEqualTo(Path.of("/etc/waygate/waygate.yaml"));
        for (List<String> other : List.<List<String>>of(List.of("serve"), List.of("serve", "--help"), List.of("serve", "--config"),
                List.of("serve", "--config", "--help"), List.of("serve", "--config", "-h"), List.of("serve", "--config", "@args.txt"),
                List.of("serve", "--config="), List.of("serve", "--config", "a.yaml", "--config", "b.yaml"),
                List.of("serve", "--config", "a.yaml", "-V"), List.of("serve", "--conf", "a.yaml"), List.of("stdio", "--config", "a.yaml"),
                List.of("--help"), List.of(), List.of("serve", "--config", "a\0b"))) {
            assertThat(Main.serveConfig(other.toArray(String[]::new))).as(other.toString()).isNull();
        }
    }

    @Test
    void otherServeCommandLinesStillGetPicocliErrors() {
        Outcome twice = capture(() -> Main.run(System::getenv, "serve", "--config", "a.yaml", "--config", "b.yaml"));
        Outcome none = capture(() -> Main.run(System::getenv, "serve"));

        assertThat(twice.code()).isEqualTo(Main.USAGE);
        assertThat(twice.errors()).singleElement().asString().contains("--config").endsWith("see 'waygate serve --help'");
        assertThat(none.code()).isEqualTo(Main.USAGE);
        assertThat(none.errors()).singleElement().asString().contains("Missing required option: '--config=FILE'");
    }

    /** The exit code and the lines starting "waygate:" on stderr (log lines, which go to the original stderr, excluded). */
    private static Outcome capture(Supplier<Integer> command) {
        PrintStream err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = command.get();
            return new Outcome(code, e.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("waygate:")).toList());
        } finally {
            System.setErr(err);
        }
    }
}
