package dev.waygate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** A connection to one upstream MCP server, carrying JSON-RPC messages both ways. */
interface Transport extends AutoCloseable {
    /** Receives what the upstream sends. */
    interface Inbound {
        /**
         * One message from the upstream.
         *
         * @param related the id of our request whose response stream carried it, or null when the
         *                transport cannot tell (stdio, standalone streams)
         */
        void message(JsonNode message, Object related);

        /** The connection ended; called once. */
        void closed(String reason);
    }

    /** Connects; messages then flow to {@code inbound}. */
    void open(Inbound inbound) throws IOException;

    /** Sends one message. Throws when it cannot be delivered. */
    void send(JsonNode message) throws IOException;

    /** Called once the handshake negotiated a version (HTTP transports send it as a header). */
    default void negotiated(String protocolVersion) {}

    /** Which sandbox limit ended the connection, once it has ended; empty for remote servers. */
    default java.util.Optional<dev.waygate.sandbox.LimitBreach> breach() {
        return java.util.Optional.empty();
    }

    /** Ends the connection because a limit was exceeded (only a stdio server can be killed). */
    default void kill(dev.waygate.sandbox.LimitBreach why) {
        close();
    }

    /** Called instead of {@link #negotiated} when the upstream speaks the stateless 2026-07-28 revision. */
    default void modern(String protocolVersion) {}

    /**
     * Cancels our request {@code id} the way the transport does it (2026-07-28 HTTP: closing its
     * response stream); false when the transport has no such way and a cancellation notification is needed.
     */
    default boolean cancel(JsonNode id) {
        return false;
    }

    /** Human-readable kind for status pages. */
    String kind();

    @Override
    void close();
}
