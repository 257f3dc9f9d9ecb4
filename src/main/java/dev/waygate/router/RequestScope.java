package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ClientChannel;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.JsonRpc;
import dev.waygate.mcp.McpException;
import dev.waygate.pipeline.Call;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The client side of one request in flight: its channel, its cancellation, requests to its client. */
final class RequestScope implements Call.Scope {
    /** How long the gateway waits for a client to answer sampling or elicitation (a person may be typing). */
    static final Duration CLIENT_ANSWER_TIMEOUT = Duration.ofMinutes(10);

    private final ClientSession session;
    private volatile ClientChannel channel;
    /** Set for a modern client's call: requests to the client become MRTR input requests instead of messages. */
    private volatile Continuation continuation;
    private final Cancellation cancellation = new Cancellation();

    RequestScope(ClientSession session, ClientChannel channel) {
        this.session = session;
        this.channel = channel;
    }

    @Override
    public String sessionId() {
        return session.id();
    }

    @Override
    public ClientChannel channel() {
        return channel;
    }

    /** A multi-round-trip call continues on the retry's response stream: progress follows the client there. */
    void redirect(ClientChannel to) {
        channel = to;
    }

    void continuation(Continuation c) {
        continuation = c;
    }

    ClientSession session() {
        return session;
    }

    @Override
    public void onCancel(Runnable action) {
        cancellation.onCancel(action);
    }

    @Override
    public boolean cancelled() {
        return cancellation.cancelled();
    }

    void cancel() {
        cancellation.cancel();
    }

    @Override
    public boolean relaysInputRequests() {
        return session.modern();
    }

    private volatile String approvalGrant;

    @Override
    public java.util.Optional<String> approvalGrant() {
        return java.util.Optional.ofNullable(approvalGrant);
    }

    @Override
    public void approvalGrant(String grant) {
        approvalGrant = grant;
    }

    @Override
    public boolean clientSupports(String capability) {
        return session.supports(capability);
    }

    @Override
    public JsonNode requestClient(String method, ObjectNode params) {
        Continuation c = continuation;
        if (c != null) {
            return c.ask(method, params);
        }
        String id = session.nextRequestId();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        session.awaitingClient.put(id, answer);
        onCancel(() -> answer.cancel(false));
        try {
            if (!channel.send(JsonRpc.request(new com.fasterxml.jackson.databind.node.TextNode(id), method, params))) {
                throw new McpException(ErrorCodes.INTERNAL_ERROR, "the client is no longer connected");
            }
            JsonNode reply = answer.get(CLIENT_ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.has("error")) {
                JsonNode e = reply.get("error");
                throw new McpException(e.path("code").asInt(ErrorCodes.INTERNAL_ERROR), e.path("message").asText("client error"),
                        e.get("data"));
            }
            return reply.path("result");
        } catch (TimeoutException e) {
            throw new McpException(ErrorCodes.INTERNAL_ERROR, "the client did not answer " + method + " in time");
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            throw new McpException(ErrorCodes.INTERNAL_ERROR, "the client request was cancelled");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpException(ErrorCodes.SHUTTING_DOWN, "interrupted");
        } finally {
            session.awaitingClient.remove(id);
        }
    }
}
