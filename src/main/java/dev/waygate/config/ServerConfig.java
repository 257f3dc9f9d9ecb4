package dev.waygate.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One upstream MCP server, validated.
 *
 * @param name      the configuration key; also the default namespace
 * @param transport how to reach it
 * @param command   stdio only: the program to start
 * @param args      stdio only: its arguments (empty when absent)
 * @param env       stdio only: variables added to the minimal environment the server gets (the
 *                  gateway's own environment is never passed through)
 * @param cwd       stdio only: working directory; absent means the configuration file's directory
 * @param url       remote only
 * @param headers   remote only: sent on every request (e.g. the server's own credentials)
 * @param namespace prefix of its tool and prompt names; empty means names are exposed unprefixed
 * @param timeout   per request to this server
 * @param required  whether {@code /ready} waits for it
 * @param sandbox   stdio only: how the process is confined ({@link SandboxConfig#defaults()} unless
 *                  {@code sandbox} says otherwise; remote servers: {@link SandboxConfig#NONE}, unused)
 */
public record ServerConfig(
        String name,
        Transport transport,
        Optional<String> command,
        List<String> args,
        Map<String, String> env,
        Optional<Path> cwd,
        Optional<URI> url,
        Map<String, String> headers,
        String namespace,
        Duration timeout,
        boolean required,
        SandboxConfig sandbox) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public enum Transport {
        STDIO,
        /** Streamable HTTP, falling back to the legacy HTTP+SSE transport when the server refuses it. */
        HTTP,
        /** Legacy HTTP+SSE only. */
        SSE
    }

    public ServerConfig {
        args = List.copyOf(args);
        env = Map.copyOf(env);
        headers = Map.copyOf(headers);
        java.util.Objects.requireNonNull(sandbox, "sandbox");
    }

    /** Without a sandbox block: a stdio server is sandboxed with the defaults. */
    public ServerConfig(String name, Transport transport, Optional<String> command, List<String> args,
                        Map<String, String> env, Optional<Path> cwd, Optional<URI> url, Map<String, String> headers,
                        String namespace, Duration timeout, boolean required) {
        this(name, transport, command, args, env, cwd, url, headers, namespace, timeout, required,
                transport == Transport.STDIO ? SandboxConfig.defaults() : SandboxConfig.NONE);
    }
}
