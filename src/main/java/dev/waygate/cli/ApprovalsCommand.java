package dev.waygate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.LogText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code waygate approvals list|approve|deny}: talks to the running gateway over its REST API
 * ({@code /approvals}), because the call waiting for the decision lives in that process. The
 * address is {@code --url}, or the {@code listen} of {@code --config}; the key comes from
 * {@link ApiKeySource} and identifies the approver (whose roles the gateway checks).
 */
@Command(name = "approvals", description = "List and decide approvals of a running gateway (over its REST API).",
        subcommands = {ApprovalsCommand.ListApprovals.class, ApprovalsCommand.Approve.class, ApprovalsCommand.Deny.class})
final class ApprovalsCommand {
    static class Common {
        @Option(names = "--url", paramLabel = "URL", description = "the gateway, e.g. http://127.0.0.1:8080")
        Optional<String> url;

        @Option(names = "--config", paramLabel = "FILE", description = "waygate.yaml (its listen address is used)")
        Optional<Path> config;

        @Option(names = "--key-file", paramLabel = "FILE",
                description = "file holding the API key (instead of WAYGATE_API_KEY_FILE or WAYGATE_API_KEY)")
        Optional<Path> keyFile;

        @Spec
        CommandSpec spec;

        private Main main() {
            return (Main) spec.root().userObject();
        }

        String base() {
            if (url.isPresent()) {
                String u = url.get();
                if (!u.startsWith("http://") && !u.startsWith("https://")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--url must start with http:// or https://");
                }
                return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
            }
            if (config.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --url or --config");
            }
            GatewayConfig c = new ConfigLoader(main().env).read(config.get());
            String host = c.listen().host().contains(":") ? "[" + c.listen().host() + "]" : c.listen().host();
            return "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + c.listen().port();
        }

        JsonNode send(String method, String path, Optional<JsonNode> body) throws Exception {
            String key = ApiKeySource.read(spec, keyFile, main().env);
            if (key == null || key.isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "an API key is needed: set WAYGATE_API_KEY or WAYGATE_API_KEY_FILE, or pass --key-file");
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + key).header("Accept", "application/json");
            b = body.isPresent()
                    ? b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body.get())))
                    : b.GET();
            HttpResponse<byte[]> r;
            try (HttpClient http = HttpClient.newHttpClient()) {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new IOException("cannot reach the gateway at " + base() + ": " + e.getMessage(), e);
            }
            JsonNode json;
            try {
                json = Json.parse(r.body());
            } catch (IOException e) {
                throw new IOException("the gateway answered " + r.statusCode() + " without JSON");
            }
            if (r.statusCode() / 100 != 2) {
                throw new IOException("refused (" + r.statusCode() + " " + json.path("error").path("code").asText()
                        + "): " + LogText.printable(json.path("error").path("message").asText()));
            }
            return json;
        }
    }

    @Command(name = "list", description = "Pending approvals you may see (--all: recent ones of any state).")
    static final class ListApprovals extends Common implements Callable<Integer> {
        @Option(names = "--all", description = "recent approvals of any state, newest first")
        boolean all;

        @Option(names = "--json", description = "print the JSON the gateway answered")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode r = send("GET", "/approvals" + (all ? "?state=all" : ""), Optional.empty());
            if (json) {
                System.out.println(r.toPrettyString());
                return Main.OK;
            }
            for (JsonNode a : r.path("approvals")) {
                // Tool names and arguments come from agents: printable only, no terminal control sequences.
                System.out.println(String.join("\t", a.path("id").asText(), a.path("state").asText(),
                        LogText.printable(a.path("principal").asText()), LogText.printable(a.path("tool").asText()),
                        LogText.printable(a.path("rule").asText()), a.path("expires_at").asText(),
                        LogText.printable(a.path("arguments").toString())));
            }
            if (r.path("approvals").isEmpty()) {
                System.err.println("waygate: no " + (all ? "" : "pending ") + "approvals");
            }
            return Main.OK;
        }
    }

    abstract static class Decide extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "the approval id (ap_...)")
        String id;

        @Option(names = "--comment", paramLabel = "TEXT", description = "why (recorded with your decision)")
        Optional<String> comment;

        abstract boolean approve();

        Optional<Integer> similarMinutes() {
            return Optional.empty();
        }

        @Override
        public Integer call() throws Exception {
            if (!id.matches("ap_[0-9a-f]{1,64}")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "not an approval id: " + LogText.printable(id));
            }
            ObjectNode body = Json.object();
            comment.ifPresent(c -> body.put("comment", c));
            similarMinutes().ifPresent(m -> body.put("similar_minutes", m));
            JsonNode r = send("POST", "/approvals/" + id + (approve() ? "/approve" : "/deny"), Optional.of(body));
            System.out.println(id + "\t" + r.path("state").asText());
            return Main.OK;
        }
    }

    @Command(name = "approve", description = "Approve a pending call.")
    static final class Approve extends Decide {
        @Option(names = "--similar-minutes", paramLabel = "N",
                description = "also let the same principal's calls to the same tool with the same argument shape pass for N minutes")
        Optional<Integer> similar;

        @Override
        boolean approve() {
            return true;
        }

        @Override
        Optional<Integer> similarMinutes() {
            return similar;
        }
    }

    @Command(name = "deny", description = "Deny a pending call.")
    static final class Deny extends Decide {
        @Override
        boolean approve() {
            return false;
        }
    }
}
