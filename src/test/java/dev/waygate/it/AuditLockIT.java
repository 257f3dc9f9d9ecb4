package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.waygate.audit.Audit;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One journal, one writer: while {@code waygate serve} runs, a {@code waygate stdio} or a second
 * {@code serve} on the same data directory refuses to start, naming the journal directory and the
 * process that writes it; once that one stopped, another starts, and the journal is one chain.
 */
class AuditLockIT {
    @Test
    void aSecondProcessOnTheSameJournalRefusesToStart() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare("pinning: { mode: \"off\" }\n");
        Path data = p.config().dataDir();
        String journal = data.resolve(Audit.JOURNAL_DIR).toAbsolutePath().toString();
        GatewayProcess first = null;
        GatewayProcess again = null;
        try {
            first = GatewayProcess.start(p, "audit-lock-first");
            long pid = first.process().pid();
            String holder = "the audit journal in " + journal + " is in use by pid " + pid + " (waygate serve --config "
                    + p.file();

            Cli.Exit stdio = Cli.run(Map.of("WAYGATE_API_KEY", p.key()), "stdio", "--config", p.file().toString());
            assertThat(stdio.code()).as(stdio.stderr()).isEqualTo(1);
            assertThat(stdio.stderr()).contains(holder).contains("only one waygate may write it");
            assertThat(stdio.stdout()).isEmpty();

            Cli.Exit serve = Cli.run(Map.of(), "serve", "--config", p.file().toString());
            assertThat(serve.code()).as(serve.stderr()).isEqualTo(1);
            assertThat(serve.stderr()).contains(holder).doesNotContain("listening on");

            first.stop();
            again = GatewayProcess.start(p, "audit-lock-again");
            again.stop();
            Cli.Exit v = Cli.run(Map.of(), "audit", "verify", data.toString());
            assertThat(v.code()).as(v.stdout() + v.stderr()).isZero();
            assertThat(v.stdout()).contains("result:      intact");
        } finally {
            if (first != null) {
                first.killIfAlive();
            }
            if (again != null) {
                again.killIfAlive();
            }
            GatewayFixture.deleteTree(p.dir());
        }
    }
}
