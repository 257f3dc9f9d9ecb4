package dev.waygate.mcp;

/**
 * JSON-RPC error codes the gateway answers with. The standard ones come from JSON-RPC 2.0; the
 * gateway's own lie in the implementation-defined range -32000..-32099 and always carry
 * {@code data.server} when an upstream is involved.
 */
public final class ErrorCodes {
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;

    /** MCP: resources/read of a URI no upstream serves. */
    public static final int RESOURCE_NOT_FOUND = -32002;

    /** MCP 2026-07-28: the HTTP headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name) are missing or do not match the body. */
    public static final int HEADER_MISMATCH = -32020;
    /** MCP 2026-07-28: the request needs a client capability the client did not declare ({@code data.requiredCapabilities}). */
    public static final int MISSING_CLIENT_CAPABILITY = -32021;
    /** MCP 2026-07-28: the requested protocol version is not spoken here ({@code data.supported}, {@code data.requested}). */
    public static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;

    /** The upstream did not answer within its timeout. */
    public static final int UPSTREAM_TIMEOUT = -32031;
    /** The upstream is not connected (starting, restarting, crashed, circuit open). */
    public static final int UPSTREAM_UNAVAILABLE = -32032;
    /** The connection to the upstream broke, or it answered with something that is not a reply. */
    public static final int UPSTREAM_FAILURE = -32033;
    /** A pipeline stage refused the call (authentication, policy, guard, rate limit, approval). */
    public static final int DENIED = -32034;
    /** The gateway is shutting down. */
    public static final int SHUTTING_DOWN = -32035;
    /**
     * A guard refused the call's arguments, or could not inspect the call or its result (limits):
     * {@code data.reason} is {@code guard_denied}, {@code data.detector} and {@code data.path} say
     * which detector and which value; the value itself is never in the error.
     */
    public static final int GUARD_DENIED = -32040;
    /**
     * The tool is quarantined by tool pinning: its definition changed since it was approved, or its
     * description looked poisoned when first seen ({@code data.reason}, {@code data.server},
     * {@code data.tool}); an admin must approve it. Decision 0017.
     */
    public static final int TOOL_QUARANTINED = -32041;
    /**
     * A sandboxed upstream exceeded a limit and was killed: the message is {@code limit exceeded: LIMIT}
     * and {@code data.limit} names it ({@code memory}, {@code cpu}, {@code output}, {@code file_size},
     * {@code wall_timeout}); {@code data.server} the server.
     */
    public static final int LIMIT_EXCEEDED = -32060;

    /** The approval gate: an approver (or the calling user) denied the call; {@code data.approval_id} names it. */
    public static final int APPROVAL_DENIED = -32050;
    /** The approval gate: nobody decided before the approval's expiry, so the call is refused (fail closed). */
    public static final int APPROVAL_EXPIRED = -32051;
    /** The approval gate: the approval ended without a decision (client cancelled, gateway stopping). */
    public static final int APPROVAL_CANCELLED = -32052;

    /**
     * A multi-round-trip retry whose {@code requestState} the gateway refuses: forged, tampered,
     * expired, another principal's, another request's, or already used.
     */
    public static final int REQUEST_STATE_REFUSED = -32036;
    /**
     * A multi-round-trip retry for a call whose upstream request waits on another gateway instance
     * (or has ended there): the state is authentic but this instance does not hold the call.
     */
    public static final int CONTINUATION_NOT_HERE = -32037;

    private ErrorCodes() {}
}
