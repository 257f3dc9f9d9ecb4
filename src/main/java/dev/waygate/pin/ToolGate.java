package dev.waygate.pin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the catalog asks before it offers an upstream's tools: it reports each fresh tool list
 * ({@link #review}) before the list is used, and offers a tool only while {@link #hold} is empty.
 * Implemented by {@link ToolPins}; {@link #OPEN} holds nothing (tests of the catalog alone).
 */
public interface ToolGate {
    /** Why a tool is not offered: a stable reason code and a sentence for the client. */
    record Hold(String reasonCode, String message) {}

    /** Records the tools an upstream listed (first sight, changes); runs before the list reaches clients. */
    void review(String server, List<ObjectNode> tools);

    /** Why this tool (by its upstream name) may not be offered or called now; empty when it may. */
    Optional<Hold> hold(String server, String tool);

    /** Cross-server checks over every server's current tools (shadowing); reports, never holds. */
    void crossCheck(Map<String, List<ObjectNode>> toolsByServer);

    /** Picks up approvals made elsewhere (the CLI); true when a hold changed (listeners have run). */
    boolean sync();

    /** Runs {@code listener} whenever holds change without a new tool list (an approval). */
    void onChange(Runnable listener);

    ToolGate OPEN = new ToolGate() {
        @Override
        public void review(String server, List<ObjectNode> tools) {}

        @Override
        public Optional<Hold> hold(String server, String tool) {
            return Optional.empty();
        }

        @Override
        public void crossCheck(Map<String, List<ObjectNode>> toolsByServer) {}

        @Override
        public boolean sync() {
            return false;
        }

        @Override
        public void onChange(Runnable listener) {}
    };
}
