package dev.waygate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.mcp.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Policy reload through a real gateway and a real stdio upstream (the probe server), by each
 * trigger: {@code POST /proxy/reload-config}, a change of the file (written in place and replaced
 * by rename), and SIGHUP to {@code waygate serve} run as its own process.
 */
class ReloadIT {
    static final String SERVERS = """
            servers:
              probe: { command: node, args: ["%s"] }
            """.formatted(GatewayFixture.probe());
    static final String ALLOW = """
            policy:
              rules:
                - name: dev-probe
                  roles: [dev]
                  servers: [probe]
                  effect: allow
            """;
    static final String DENY_ECHO = """
            policy:
              rules:
                - name: no-echo
                  tools: [probe__echo]
                  effect: deny
                - name: dev-probe
                  roles: [dev]
                  servers: [probe]
                  effect: allow
            """;
    static final String HEAD = "version: 1\nlisten: 127.0.0.1:0\ndata_dir: data\n";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void restReloadAppliesTheNewRuleRefusesABrokenFileAndNeedsTheAdminRole() throws Exception {
        try (GatewayFixture gw = GatewayFixture.start(SERVERS + "watch_config: false\n" + ALLOW)) {
            gw.awaitReady(Duration.ofSeconds(60));
            String admin = gw.createKey("root", "admin");
            McpHttp mcp = new McpHttp(gw.mcpUrl(), gw.key());
            String session = mcp.session();
            assertThat(echo(mcp, session).has("result")).as("allowed before the reload").isTrue();

            write(gw.dir(), SERVERS + "watch_config: false\n" + DENY_ECHO);
            assertThat(reload(gw, gw.key()).statusCode()).as("a non-admin may not reload").isEqualTo(403);
            assertThat(echo(mcp, session).has("result")).as("the refused request changed nothing").isTrue();

            HttpResponse<String> ok = reload(gw, admin);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            JsonNode body = Json.parse(ok.body());
            assertThat(body.path("version").asLong()).isEqualTo(2);
            assertThat(body.path("applied").asBoolean()).isTrue();
            assertThat(body.path("restart_needed")).isEmpty();
            assertDeniedBy(echo(mcp, session), "no-echo");

            write(gw.dir(), SERVERS + "watch_config: false\n" + DENY_ECHO.replace("effect: deny", "effect: refuse"));
            HttpResponse<String> bad = reload(gw, admin);
            assertThat(bad.statusCode()).as(bad.body()).isEqualTo(422);
            JsonNode refused = Json.parse(bad.body());
            String error = refused.path("error").path("message").asText();
            assertThat(refused.path("error").path("code").asText()).isEqualTo("config_invalid");
            assertThat(error).startsWith(gw.dir().resolve("waygate.yaml") + ":11: policy.rules[0].effect: must be allow or deny");
            assertThat(refused.path("version").asLong()).isEqualTo(2);
            assertDeniedBy(echo(mcp, session), "no-echo");

            JsonNode status = Json.parse(get(gw, "/mcp/status", admin).body()).path("policy");
            assertThat(status.path("version").asLong()).isEqualTo(2);
            assertThat(status.path("last_reload_error").asText()).isEqualTo(error);
            assertThat(status.path("last_reload").path("outcome").asText()).isEqualTo("refused");

            // Settings other than the policy are reported, not applied: the gateway keeps its port.
            Files.writeString(gw.dir().resolve("waygate.yaml"), HEAD.replace("127.0.0.1:0", "127.0.0.1:1")
                    + SERVERS + "watch_config: false\n" + ALLOW);
            HttpResponse<String> restart = reload(gw, admin);
            assertThat(restart.statusCode()).as(restart.body()).isEqualTo(200);
            assertThat(Json.parse(restart.body()).path("restart_needed").toString()).isEqualTo("[\"listen\"]");
            assertThat(Json.parse(restart.body()).path("version").asLong()).isEqualTo(3);
            assertThat(echo(mcp, session).has("result")).as("allowed again after version 3").isTrue();
            JsonNode after = Json.parse(get(gw, "/mcp/status", admin).body()).path("policy");
            assertThat(after.has("last_reload_error")).as("cleared by a successful reload: %s", after).isFalse();
        }
    }

    @Test
    void savingTheFileReloadsIt_inPlaceOrReplacedByRename() throws Exception {
        try (GatewayFixture gw = GatewayFixture.start(SERVERS + ALLOW)) {
            gw.awaitReady(Duration.ofSeconds(60));
            McpHttp mcp = new McpHttp(gw.mcpUrl(), gw.key());
            String session = mcp.session();
            assertThat(echo(mcp, session).has("result")).isTrue();

            // As vim and most IDEs save: a new file renamed over the old one.
            Path tmp = gw.dir().resolve(".waygate.yaml.swp");
            Files.writeString(tmp, HEAD + SERVERS + DENY_ECHO);
            Files.move(tmp, gw.dir().resolve("waygate.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertDeniedBy(await(() -> echo(mcp, session), r -> r.has("error")), "no-echo");
            assertThat(gw.gateway().policy().get().version()).isEqualTo(2);

            // As nano and echo > file do: truncated and written in place.
            write(gw.dir(), SERVERS + ALLOW);
            assertThat(await(() -> echo(mcp, session), r -> r.has("result")).has("result")).isTrue();
            assertThat(gw.gateway().policy().get().version()).isEqualTo(3);
            assertThat(gw.gateway().policy().lastReload().orElseThrow().trigger()).isEqualTo("file");
        }
    }

    @Test
    void sighupReloadsAServeProcess() throws Exception {
        GatewayFixture.Prepared p = GatewayFixture.prepare(SERVERS + "watch_config: false\n" + ALLOW);
        // A process started with SIGHUP ignored (under nohup, as some CI runners do) passes that on
        // and the JVM then never sees the signal: perl resets it to the default before exec.
        List<String> cmd = new java.util.ArrayList<>(List.of("perl", "-e", "$SIG{HUP} = 'DEFAULT'; exec @ARGV or die $!"));
        cmd.addAll(Cli.command("serve", "--config", p.file().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().retainAll(List.of("PATH", "HOME"));
        Path log = Files.createDirectories(Path.of("target/it-logs")).resolve("reload-sighup.log");
        Process proc = pb.redirectOutput(log.toFile()).start();
        CopyOnWriteArrayList<String> stderr = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/mcp");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    stderr.add(line);
                    Matcher m = listening.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (java.io.IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new AssertionError("serve ended: " + String.join("\n", stderr)));
        });
        try {
            String url = "http://127.0.0.1:" + port.get(60, TimeUnit.SECONDS) + "/mcp";
            McpHttp mcp = new McpHttp(url, p.key());
            String session = mcp.session();
            assertThat(await(() -> echo(mcp, session), r -> r.has("result")).has("result")).isTrue();

            write(p.dir(), SERVERS + "watch_config: false\n" + DENY_ECHO);
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(proc.pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            assertDeniedBy(await(() -> echo(mcp, session), r -> r.has("error")), "no-echo");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (stderr.stream().noneMatch(l -> l.contains("policy version 2 loaded (2 rules") && l.contains("[signal]"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(stderr).as("the reload is logged").anyMatch(l -> l.contains("policy version 2 loaded (2 rules"));
        } finally {
            GatewayFixture.kill(proc);
            proc.waitFor(30, TimeUnit.SECONDS);
            GatewayFixture.deleteTree(p.dir());
        }
    }

    @Test
    void aReloadIsAuditedAndAnAppliedOneTellsConnectedClientsToListAgain() throws Exception {
        try (GatewayFixture gw = GatewayFixture.start(SERVERS + "watch_config: false\n" + ALLOW)) {
            gw.awaitReady(Duration.ofSeconds(60));
            String admin = gw.createKey("root", "admin");
            McpHttp mcp = new McpHttp(gw.mcpUrl(), gw.key());
            String session = mcp.session();
            // The client's standalone stream (GET /mcp), where notifications not tied to a request arrive.
            HttpResponse<java.util.stream.Stream<String>> stream = HTTP.send(HttpRequest.newBuilder(URI.create(gw.mcpUrl()))
                    .header("Authorization", "Bearer " + gw.key()).header("Accept", "text/event-stream")
                    .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25").GET().build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.statusCode()).isEqualTo(200);
            List<String> seen = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> stream.body()
                    .filter(l -> l.startsWith("data:")).forEach(seen::add));

            write(gw.dir(), SERVERS + "watch_config: false\n" + DENY_ECHO);
            assertThat(reload(gw, admin).statusCode()).isEqualTo(200);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            List<String> kinds = List.of("tools", "prompts", "resources");
            // the three arrive one after another: wait for all of them, not only the first
            while (!kinds.stream().allMatch(k -> seen.stream().anyMatch(l -> l.contains("notifications/" + k + "/list_changed")))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(seen).anyMatch(l -> l.contains("notifications/tools/list_changed"))
                    .anyMatch(l -> l.contains("notifications/prompts/list_changed"))
                    .anyMatch(l -> l.contains("notifications/resources/list_changed"));

            write(gw.dir(), SERVERS + "watch_config: false\n" + DENY_ECHO.replace("effect: deny", "effect: refuse"));
            assertThat(reload(gw, admin).statusCode()).isEqualTo(422);
            int before = seen.size();
            Thread.sleep(300);
            assertThat(seen).as("a refused reload changes nothing, so clients are not told to list again").hasSize(before);
            reader.cancel(true);

            String file = java.net.URLEncoder.encode(gw.dir().resolve("waygate.yaml").toString(), StandardCharsets.UTF_8);
            HttpResponse<String> audit = get(gw, "/audit?tool=" + file, admin);
            assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
            List<JsonNode> entries = new java.util.ArrayList<>();
            Json.parse(audit.body()).path("entries").forEach(entries::add);
            assertThat(entries).as(audit.body()).extracting(e -> e.path("action").asText() + " " + e.path("reason").asText()
                    + " " + e.path("decision").asText()).containsExactly("config.reload applied allow", "config.reload refused deny");
            assertThat(entries.get(0).path("args").path("policy_version").asLong()).isEqualTo(2);
            assertThat(entries.get(1).path("args").path("error").asText()).contains("policy.rules[0].effect");
        }
    }

    static void write(Path dir, String rest) throws Exception {
        Files.writeString(dir.resolve("waygate.yaml"), HEAD + rest);
    }

    static JsonNode echo(McpHttp mcp, String session) throws Exception {
        return mcp.call(session, "tools/call", Json.object().put("name", "probe__echo")
                .set("arguments", Json.object().put("message", "hi")));
    }

    static void assertDeniedBy(JsonNode reply, String rule) {
        JsonNode e = reply.path("error");
        assertThat(e.path("code").asInt()).as("%s", reply).isEqualTo(-32034);
        assertThat(e.path("message").asText()).contains("'" + rule + "'");
        assertThat(e.path("data").path("rule").asText()).isEqualTo(rule);
        assertThat(e.path("data").path("reason").asText()).isEqualTo("policy_denied");
    }

    interface Attempt {
        JsonNode run() throws Exception;
    }

    /** Repeats the call until its reply passes {@code done} (a reload by file or signal happens a little later). */
    static JsonNode await(Attempt a, java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        JsonNode last = a.run();
        while (!done.test(last) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            last = a.run();
        }
        assertThat(done.test(last)).as("last reply: %s", last).isTrue();
        return last;
    }

    static HttpResponse<String> reload(GatewayFixture gw, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + "/proxy/reload-config")).header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(GatewayFixture gw, String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gw.base() + path)).header("Authorization", "Bearer " + key).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
