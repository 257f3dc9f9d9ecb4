package dev.waygate.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The gateway's logging set-up in code rather than in {@code logback.xml}: logback's XML
 * configuration (an XML parser, Joran's model, its reflection) was a tenth of the CPU time from
 * process start to {@code /ready}. Same result as the file was: one appender to stderr (in
 * {@code waygate stdio} stdout carries only JSON-RPC), Jetty at WARN, the root level from
 * {@code WAYGATE_LOG_LEVEL} (a system property or an environment variable; INFO by default).
 *
 * <p>An operator's own configuration still wins: with {@code -Dlogback.configurationFile=…}, or a
 * {@code logback-test.xml} or {@code logback.xml} on the class path, this steps aside and logback
 * reads that file as usual. Found by logback through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}.
 *
 * <p>No {@code @ConfiguratorRank}: logback reads that annotation reflectively, and the JDK then builds
 * a dynamic proxy class for it with the class-file API, which no AOT cache holds (about a tenth of
 * the main thread's time to {@code /ready}). Without it logback ranks this configurator as its
 * default rank; it is the only one the jar declares as a service.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0}%replace( [%X{correlation_id}]){' \\[\\]', ''} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ClassLoader loader = LogConfigurator.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
                || loader.getResource("logback.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(System.getProperty("WAYGATE_LOG_LEVEL", System.getenv("WAYGATE_LOG_LEVEL"))));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** As logback read {@code ${WAYGATE_LOG_LEVEL:-INFO}}: a level name in any case; anything else is DEBUG (logback's rule). */
    static Level level(String name) {
        return name == null || name.isBlank() ? Level.INFO : Level.toLevel(name.strip());
    }
}
