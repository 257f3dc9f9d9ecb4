package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.pipeline.Call;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** One of our requests to an upstream awaiting its response, which {@link Deadlines} ends at {@code deadlineNanos}. */
record Pending(long id, String method, CompletableFuture<JsonNode> response, Optional<Call.Scope> scope,
               Optional<JsonNode> clientProgressToken, long startedNanos, long deadlineNanos) {}
