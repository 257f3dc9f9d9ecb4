package dev.waygate.pipeline;

/** What a call asks an upstream to do. */
public enum CallKind {
    TOOL("tools/call"),
    PROMPT("prompts/get"),
    RESOURCE("resources/read");

    private final String method;

    CallKind(String method) {
        this.method = method;
    }

    public String method() {
        return method;
    }
}
