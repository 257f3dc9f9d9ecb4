package dev.waygate.mcp;

import java.util.List;

/**
 * The MCP protocol revisions the gateway's front speaks, newest first. Two eras: the legacy ones
 * negotiated by {@code initialize} ({@link #SUPPORTED}, {@link #LATEST}) and the modern, stateless
 * ones declared on every request ({@link #MODERN}).
 */
public final class ProtocolVersions {
    public static final String LATEST = "2025-11-25";
    /** The stateless revision: version, client info and capabilities travel in every request's {@code _meta}. */
    public static final String MODERN_LATEST = "2026-07-28";
    public static final List<String> MODERN = List.of(MODERN_LATEST);
    /** Every version, for {@code server/discover} and UnsupportedProtocolVersion errors. */
    public static final List<String> ALL = List.of("2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
    /** What a Streamable HTTP request without an MCP-Protocol-Version header is assumed to speak (spec, transports). */
    public static final String HTTP_DEFAULT = "2025-03-26";
    public static final List<String> SUPPORTED = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    private ProtocolVersions() {}

    /** A modern (2026-07-28 or later) revision this gateway speaks. */
    public static boolean modern(String v) {
        return MODERN.contains(v);
    }

    /** A legacy revision this gateway speaks (negotiated by initialize). */
    public static boolean supported(String v) {
        return SUPPORTED.contains(v);
    }

    /** Version negotiation: the client's version when we speak it, else our latest (the client then decides). */
    public static String negotiate(String requested) {
        return supported(requested) ? requested : LATEST;
    }
}
