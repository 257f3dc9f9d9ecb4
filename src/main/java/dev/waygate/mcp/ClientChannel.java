package dev.waygate.mcp;

import com.fasterxml.jackson.databind.JsonNode;

/** Where messages to one client go: a response stream, the session's standalone stream, or stdout. */
@FunctionalInterface
public interface ClientChannel {
    /** Sends one message; returns false when the client is gone (the message is dropped). */
    boolean send(JsonNode message);

    ClientChannel CLOSED = m -> false;
}
