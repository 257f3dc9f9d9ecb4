package dev.waygate.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where a command finds the API key it presents, in this order: {@code --key-file}; the file
 * {@code WAYGATE_API_KEY_FILE} names; {@code WAYGATE_API_KEY}. The command line wins over the
 * environment; both variables set is a mistake (as for {@code NAME_FILE} in the configuration),
 * since which one was meant is a guess. A key never comes from a command-line argument itself.
 */
final class ApiKeySource {
    static final String KEY_VARIABLE = "WAYGATE_API_KEY";
    static final String KEY_FILE_VARIABLE = "WAYGATE_API_KEY_FILE";

    private ApiKeySource() {}

    /** The key, or null when none is given. */
    static String read(CommandSpec spec, Optional<Path> keyFile, Function<String, String> env) {
        if (keyFile.isPresent()) {
            return readKey(spec, "--key-file", keyFile.get());
        }
        String file = env.apply(KEY_FILE_VARIABLE);
        String key = env.apply(KEY_VARIABLE);
        if (file != null && !file.isEmpty()) {
            if (key != null && !key.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "both " + KEY_VARIABLE + " and " + KEY_FILE_VARIABLE + " are set: unset one of them");
            }
            return readKey(spec, KEY_FILE_VARIABLE, Path.of(file));
        }
        return key;
    }

    /** A key file that cannot be read is a mistake in the command line, not a failure of the gateway. */
    private static String readKey(CommandSpec spec, String from, Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            // The exception's own message is a path or an OS reason, never the file's content.
            throw new CommandLine.ParameterException(spec.commandLine(), from + ": cannot read " + file + ": "
                    + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()));
        }
    }
}
