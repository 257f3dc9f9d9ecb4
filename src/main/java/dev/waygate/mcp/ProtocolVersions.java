package dev.waygate.mcp;

import java.util.List;

/** The MCP protocol revisions the gateway's front speaks, newest first. */
public final class ProtocolVersions {
    public static final String LATEST = "2025-11-25";
    /** What a Streamable HTTP request without an MCP-Protocol-Version header is assumed to speak (spec, transports). */
    public static final String HTTP_DEFAULT = "2025-03-26";
    public static final List<String> SUPPORTED = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    private ProtocolVersions() {}

    public static boolean supported(String v) {
        return SUPPORTED.contains(v);
    }

    /** Version negotiation: the client's version when we speak it, else our latest (the client then decides). */
    public static String negotiate(String requested) {
        return supported(requested) ? requested : LATEST;
    }
}
