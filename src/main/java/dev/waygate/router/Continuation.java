package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.ErrorCodes;
import dev.waygate.mcp.McpException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A modern client's call that is waiting for the client's input: the upstream request runs on its
 * own thread in this process, and the requests it made to the client (sampling, elicitation,
 * roots from a legacy upstream) wait here until the client retries with {@code inputResponses}.
 * The client holds only a sealed handle to it ({@code requestState}); the call itself cannot move
 * to another instance, because the upstream connection that waits for the answer is here.
 */
final class Continuation {
    /** One request to the client, waiting for its answer. */
    record Ask(String key, String method, ObjectNode params, CompletableFuture<JsonNode> answer) {}

    /** What the front gets back: the final result, or the input the call waits for. */
    sealed interface Outcome permits Done, NeedsInput {}

    record Done(JsonNode result) implements Outcome {}

    record NeedsInput(List<Ask> asks) implements Outcome {}

    final String id;
    final String principal;
    final String method;
    final String target;
    final RequestScope scope;
    final CompletableFuture<JsonNode> result = new CompletableFuture<>();
    private final Map<String, Ask> open = new LinkedHashMap<>();
    private int asked;
    private int round;
    private boolean busy;
    private volatile long lastUsedNanos = System.nanoTime();

    Continuation(String id, String principal, String method, String target, RequestScope scope) {
        this.id = id;
        this.principal = principal;
        this.method = method;
        this.target = target;
        this.scope = scope;
        result.whenComplete((r, e) -> wake());
    }

    /** Called on the upstream's server-request thread: publishes the request and waits for the client's retry. */
    JsonNode ask(String clientMethod, ObjectNode params) {
        Ask a;
        synchronized (this) {
            a = new Ask("wg-" + (++asked), clientMethod, params, new CompletableFuture<>());
            open.put(a.key(), a);
            notifyAll();
        }
        scope.onCancel(() -> a.answer().cancel(false));
        try {
            return a.answer().get(RequestScope.CLIENT_ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new McpException(ErrorCodes.INTERNAL_ERROR, "the client did not retry with an answer to " + clientMethod + " in time");
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            throw new McpException(ErrorCodes.INTERNAL_ERROR, "the client request was cancelled");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpException(ErrorCodes.SHUTTING_DOWN, "interrupted");
        } finally {
            synchronized (this) {
                open.remove(a.key());
            }
        }
    }

    /** Waits until the call finishes or asks the client for something not yet answered. */
    synchronized Outcome await() throws InterruptedException {
        while (true) {
            if (result.isDone()) {
                try {
                    return new Done(result.join());
                } catch (java.util.concurrent.CompletionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
            List<Ask> pending = open.values().stream().filter(x -> !x.answer().isDone()).toList();
            if (!pending.isEmpty()) {
                return new NeedsInput(pending);
            }
            wait(1000);
        }
    }

    /** Claims the continuation for one retry presenting this round's state; false if used or being resumed. */
    synchronized boolean claim(int presentedRound) {
        if (busy || presentedRound != round) {
            return false;
        }
        busy = true;
        round++;
        lastUsedNanos = System.nanoTime();
        return true;
    }

    synchronized int round() {
        return round;
    }

    synchronized void release() {
        busy = false;
        lastUsedNanos = System.nanoTime();
    }

    /** Gives each open request its answer from {@code inputResponses}; requests without one stay open (and are asked again). */
    synchronized void answer(JsonNode inputResponses) {
        for (Ask a : open.values()) {
            JsonNode r = inputResponses.get(a.key());
            if (r != null && r.isObject()) {
                ObjectNode answer = ((ObjectNode) r).deepCopy();
                answer.remove("resultType");
                a.answer().complete(answer);
            }
        }
    }

    long idleNanos() {
        return System.nanoTime() - lastUsedNanos;
    }

    private synchronized void wake() {
        notifyAll();
    }
}
