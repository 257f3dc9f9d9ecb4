package dev.waygate.front;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.router.ClientSession;
import dev.waygate.router.Router;
import dev.waygate.mcp.LineReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code waygate stdio}: the gateway as one stdio MCP server for a desktop client. One session, the
 * principal of the key given at start; requests run concurrently so that a cancellation or an
 * answer to sampling can arrive while a call is in flight. stdout carries only JSON-RPC. A client of
 * the 2026-07-28 era (its requests declare their version in {@code _meta}, no initialize) is served
 * statelessly, as on HTTP.
 */
public final class StdioFront {
    private final Router router;
    private final Principal principal;
    private final long maxMessageBytes;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile ClientSession session;

    public StdioFront(Router router, Principal principal, long maxMessageBytes, OutputStream out) {
        this.router = router;
        this.principal = principal;
        this.maxMessageBytes = maxMessageBytes;
        this.out = out;
    }

    private final ClientChannel channel = this::write;

    /** Serves until stdin closes. */
    public void run(InputStream in) throws IOException {
        LineReader r = new LineReader(in, (int) Math.min(Integer.MAX_VALUE - 8, maxMessageBytes));
        try {
            while (true) {
                String line;
                try {
                    line = r.next();
                } catch (LineReader.TooLong e) {
                    write(JsonRpc.error(null, ErrorCodes.INVALID_REQUEST, "message larger than " + maxMessageBytes + " bytes", null));
                    continue;
                }
                if (line == null) {
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                JsonNode m;
                try {
                    m = Json.parse(line);
                    if (m == null || m.isArray()) {
                        throw new McpException(ErrorCodes.INVALID_REQUEST, "send one JSON-RPC message per line");
                    }
                    JsonRpc.validate(m);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    write(JsonRpc.error(null, ErrorCodes.PARSE_ERROR, "parse error: invalid JSON", null));
                    continue;
                } catch (McpException e) {
                    write(JsonRpc.error(null, e));
                    continue;
                }
                dispatch(m);
            }
        } finally {
            if (session != null) {
                router.endSession(session);
            }
        }
    }

    /** Modern requests in flight by JSON-RPC id: a {@code notifications/cancelled} ends one (stdio has no stream to close). */
    private final java.util.Map<String, Runnable> modernInFlight = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A 2026-07-28 message (spec: stdio transport, Request Metadata): no initialize, every request
     * carries its version and capabilities in {@code _meta}, served statelessly like on HTTP; server
     * input requests travel as {@code input_required} results, and {@code subscriptions/listen}
     * notifications are tagged with its subscription id on the one output stream.
     */
    private void modern(JsonNode m) {
        if (JsonRpc.isNotification(m)) {
            if (m.path("method").asText().equals("notifications/cancelled")) {
                Runnable cancel = modernInFlight.remove(m.path("params").path("requestId").asText());
                if (cancel != null) {
                    cancel.run();
                }
            }
            return;
        }
        if (!JsonRpc.isRequest(m)) {
            return; // a 2026-07-28 client sends no responses
        }
        JsonNode id = m.get("id");
        dev.waygate.mcp.ModernMeta meta;
        try {
            meta = dev.waygate.mcp.ModernMeta.of(m);
            if (!dev.waygate.mcp.ProtocolVersions.modern(meta.protocolVersion())) {
                var data = Json.object();
                dev.waygate.mcp.ProtocolVersions.ALL.forEach(data.putArray("supported")::add);
                data.put("requested", meta.protocolVersion());
                throw new McpException(ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", data);
            }
        } catch (McpException e) {
            write(JsonRpc.error(id, e));
            return;
        }
        ClientSession s = router.modernSession(principal, meta);
        String key = id.asText();
        if (m.path("method").asText().equals("subscriptions/listen")) {
            dev.waygate.router.Listeners.Listener l = router.listen(s, id, m.path("params").path("notifications"), channel);
            modernInFlight.put(key, () -> {
                l.close();
                router.release(s);
            });
            return;
        }
        modernInFlight.put(key, () -> router.cancel(s));
        Thread.ofVirtual().name("mcp-stdio-modern").start(() -> {
            try {
                router.handle(s, m, channel).ifPresent(this::write);
            } finally {
                modernInFlight.remove(key);
                router.release(s);
            }
        });
    }

    private void dispatch(JsonNode m) {
        if (session == null && (dev.waygate.mcp.ModernMeta.declaredVersion(m).isPresent()
                || (JsonRpc.isNotification(m) && m.path("method").asText().equals("notifications/cancelled")
                        && modernInFlight.containsKey(m.path("params").path("requestId").asText())))) {
            modern(m);
            return;
        }
        if (JsonRpc.isRequest(m) && m.get("method").asText().equals("initialize")) {
            try {
                ClientSession s = router.initialize(principal, m.path("params"));
                s.attachStandalone(channel);
                session = s;
                write(JsonRpc.result(m.get("id"), router.initializeResult(s)));
            } catch (McpException e) {
                write(JsonRpc.error(m.get("id"), e));
            }
            return;
        }
        ClientSession s = session;
        if (s == null) {
            if (JsonRpc.isRequest(m)) {
                write(JsonRpc.error(m.get("id"), ErrorCodes.INVALID_REQUEST, "send initialize first", null));
            }
            return;
        }
        if (JsonRpc.isRequest(m)) {
            Thread.ofVirtual().name("mcp-stdio-call").start(() -> router.handle(s, m, channel).ifPresent(this::write));
        } else {
            router.handle(s, m, channel);
        }
    }

    private boolean write(JsonNode message) {
        byte[] bytes = Json.bytes(message);
        writeLock.lock();
        try {
            out.write(bytes);
            out.write('\n');
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            writeLock.unlock();
        }
    }
}
