package dev.waygate.cli;

import dev.waygate.Version;
import dev.waygate.mcp.ProtocolVersions;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the version and the MCP protocol versions spoken.")
final class VersionCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (String line : new Provider().getVersion()) {
            System.out.println(line);
        }
        return Main.OK;
    }

    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"waygate " + Version.VERSION,
                    "mcp protocol " + String.join(", ", ProtocolVersions.SUPPORTED),
                    "java " + Runtime.version()};
        }
    }
}
