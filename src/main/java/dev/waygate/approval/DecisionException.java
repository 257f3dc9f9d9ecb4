package dev.waygate.approval;

/**
 * A decision the gate refuses (self-approval, a missing role, already decided, no such approval).
 * REST and the dashboard map {@link #status} and {@link #code} to their error answer.
 */
public final class DecisionException extends RuntimeException {
    private final int status;
    private final String code;

    public DecisionException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
