package dev.waygate.sandbox;

import dev.waygate.config.SandboxConfig;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to start one server in its sandbox, and to say what the sandbox allows.
 *
 * @param argv    the wrapper chain and the server's command: {@code [setpriv] prlimit bwrap ... -- command args}
 * @param env     the whole environment of the process (secret values travel here, never on a command line)
 * @param binds   host paths visible inside, in the order they are mounted
 * @param uid     the uid the server runs as; -1 when it keeps the gateway's uid (the gateway is not root)
 * @param workdir the working directory inside
 * @param config  the sandbox block it was built from
 */
public record SandboxPlan(List<String> argv, Map<String, String> env, List<Bind> binds, int uid, String workdir,
                          SandboxConfig config) {
    public SandboxPlan {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        binds = List.copyOf(binds);
    }
}
