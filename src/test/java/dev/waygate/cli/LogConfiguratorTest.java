package dev.waygate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The logging set-up in code gives what {@code logback.xml} gave: format, levels, stderr. */
class LogConfiguratorTest {
    @Test
    void oneStderrAppenderJettyAtWarnRootFromTheEnvironment() {
        LoggerContext ctx = configured();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);

        assertThat(root.getLevel()).isEqualTo(LogConfigurator.level(System.getProperty("WAYGATE_LOG_LEVEL",
                System.getenv("WAYGATE_LOG_LEVEL"))));
        assertThat(ctx.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("org.eclipse.jetty.server.Server").getEffectiveLevel()).isEqualTo(Level.WARN);
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        assertThat(stderr.isStarted()).isTrue();
    }

    @Test
    void linesReadAsBeforeWithAndWithoutACorrelationId() {
        LoggerContext ctx = configured();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        var layout = ((PatternLayoutEncoder) ((ConsoleAppender<?>) root.getAppender("STDERR")).getEncoder()).getLayout();

        LoggingEvent plain = new LoggingEvent("x", ctx.getLogger("dev.waygate.router.Upstreams"), Level.WARN, "[{}] gone", null,
                new Object[] {"echo"});
        plain.setMDCPropertyMap(Map.of());
        LoggingEvent correlated = new LoggingEvent("x", ctx.getLogger("dev.waygate.audit.Audit"), Level.INFO, "written", null, null);
        correlated.setMDCPropertyMap(Map.of("correlation_id", "c-123"));

        assertThat(layout.doLayout(plain)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  Upstreams - \\[echo\\] gone\\R");
        assertThat(layout.doLayout(correlated)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Audit \\[c-123\\] - written\\R");
    }

    @Test
    void aLevelNameInAnyCaseElseDebugAsLogbackReadIt() {
        assertThat(LogConfigurator.level(null)).isEqualTo(Level.INFO);
        assertThat(LogConfigurator.level(" ")).isEqualTo(Level.INFO);
        assertThat(LogConfigurator.level("debug")).isEqualTo(Level.DEBUG);
        assertThat(LogConfigurator.level(" WARN ")).isEqualTo(Level.WARN);
        assertThat(LogConfigurator.level("trace")).isEqualTo(Level.TRACE);
        assertThat(LogConfigurator.level("loud")).isEqualTo(Level.DEBUG);
    }

    @Test
    void anOperatorsOwnFileWins() {
        System.setProperty("logback.configurationFile", "/etc/waygate/logback.xml");
        try {
            LoggerContext ctx = new LoggerContext();
            LogConfigurator c = new LogConfigurator();
            c.setContext(ctx);
            assertThat(c.configure(ctx)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();
        } finally {
            System.clearProperty("logback.configurationFile");
        }
    }

    private static LoggerContext configured() {
        LoggerContext ctx = new LoggerContext();
        LogConfigurator c = new LogConfigurator();
        c.setContext(ctx);
        assertThat(c.configure(ctx)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        return ctx;
    }
}
