package dev.waygate.cli;

import dev.waygate.config.ConfigException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code waygate}: exit 0 on success, 2 on bad usage or a bad configuration (one line on stderr
 * naming file, line and key), 1 on any other failure.
 */
@Command(name = "waygate", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = VersionCommand.Provider.class,
        description = "Security gateway for AI agents: one MCP front for many MCP servers.")
public final class Main {
    /**
     * The subcommands, in the order {@code --help} lists them. Added in {@link #run} rather than
     * named in {@code @Command(subcommands)}: picocli builds the model of every command it is given
     * by reflection, which was a tenth of {@code serve}'s start-up; a command line that names one
     * of them gets only that one (with its own subcommands), anything else gets all of them, so
     * that help, suggestions and errors read as before.
     */
    private static final List<Class<?>> COMMANDS = List.of(ServeCommand.class, StdioCommand.class, CheckConfigCommand.class,
            KeysCommand.class, PolicyCommand.class, AuditCommand.class, ToolsCommand.class, SandboxCommand.class,
            ApprovalsCommand.class, VersionCommand.class);

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    /** The environment the commands read ({@code WAYGATE_API_KEY}, {@code ${NAME}} in the configuration). */
    final Function<String, String> env;

    private Main(Function<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        Startup.tune();
        System.exit(run(args));
    }

    public static int run(String... args) {
        return run(System::getenv, args);
    }

    /** With another environment: tests cannot set the process's own. */
    static int run(Function<String, String> env, String... args) {
        Path serve = serveConfig(args);
        if (serve != null) {
            Startup.preload();
            ServeCommand command = new ServeCommand();
            command.config = serve;
            try {
                return command.call();
            } catch (Exception e) {
                return failed(e);
            }
        }
        return parseAndRun(env, args);
    }

    /**
     * The file of {@code serve --config FILE} (or {@code --config=FILE}), the command line of every
     * start of the gateway, which then runs without picocli: picocli's classes are Java 5 bytecode,
     * which a JDK 25 AOT cache cannot hold (they are loaded and verified anew each time), and
     * building its model was a third of the main thread's work to {@code /ready} with the cache.
     * Null for any other command line, which picocli parses as before (help, an {@code @file}
     * argument, a value that looks like an option, anything else).
     */
    static Path serveConfig(String... args) {
        String file = null;
        if (args.length == 3 && args[0].equals("serve") && args[1].equals("--config")) {
            file = args[2];
        } else if (args.length == 2 && args[0].equals("serve") && args[1].startsWith("--config=")) {
            file = args[1].substring("--config=".length());
        }
        if (file == null || file.isEmpty() || file.startsWith("-") || file.startsWith("@")) {
            return null;
        }
        try {
            return Path.of(file);
        } catch (InvalidPathException e) {
            return null; // picocli's message for it
        }
    }

    /** Every command line through picocli (what {@link #run} does for all but {@code serve --config FILE}). */
    static int parseAndRun(Function<String, String> env, String... args) {
        CommandLine cl = new CommandLine(new Main(env));
        Class<?> named = args.length == 0 ? null : COMMANDS.stream()
                .filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst().orElse(null);
        for (Class<?> c : named != null ? List.of(named) : COMMANDS) {
            cl.addSubcommand(c);
        }
        // One line, like every other error (picocli would print the whole usage); the usage is a --help away.
        cl.setParameterExceptionHandler((e, given) -> {
            String hint = e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()
                    ? " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)" : "";
            System.err.println("waygate: " + oneLine(e.getMessage()) + hint + "; see '"
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> failed(e));
        return cl.execute(args);
    }

    /** A command failed: one line on stderr, and the exit code. */
    private static int failed(Exception e) {
        if (e instanceof ConfigException || e instanceof CommandLine.ParameterException) {
            System.err.println("waygate: " + oneLine(e.getMessage()));
            return USAGE;
        }
        System.err.println("waygate: " + oneLine(e.getMessage() == null ? e.toString() : e.getMessage()));
        org.slf4j.LoggerFactory.getLogger(Main.class).debug("failure", e);
        return FAILURE;
    }

    /** Messages can carry text from the file or a driver (a quoted key with a newline, a multi-line SQL error). */
    private static String oneLine(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
