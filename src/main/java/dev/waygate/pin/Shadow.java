package dev.waygate.pin;

import java.util.List;

/**
 * A cross-server name problem: reported (log, audit, {@code GET /tools/pins}), never held.
 *
 * @param kind     {@code same_name}: several servers offer a tool of this upstream name, so a model
 *                 told "use read_file" may call the wrong one; {@code cross_reference}: a tool's
 *                 description names another server's tool (how a poisoned server steers calls to, or
 *                 changes the use of, tools it does not own)
 * @param tool     the shared upstream name, or the exposed name of the tool whose description refers
 * @param servers  the servers involved (for a reference: the referring server first)
 * @param mentions for a reference: the exposed name of the tool referred to; else empty
 */
public record Shadow(String kind, String tool, List<String> servers, String mentions) {
    public static final String SAME_NAME = "same_name";
    public static final String CROSS_REFERENCE = "cross_reference";

    public Shadow {
        servers = List.copyOf(servers);
    }

    public String message() {
        return kind.equals(SAME_NAME)
                ? "servers " + String.join(", ", servers) + " each offer a tool named '" + tool + "'"
                : "the description of " + tool + " (server " + servers.getFirst() + ") names " + mentions
                        + ", a tool of server " + servers.get(1);
    }
}
