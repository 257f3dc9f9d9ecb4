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
 * answer to sampling can arrive while a call is in flight. stdout carries only JSON-RPC.
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

    private void dispatch(JsonNode m) {
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
