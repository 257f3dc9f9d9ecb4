package dev.waygate.guard;

/** What the guards were asked to inspect is larger or deeper than their limits: refused, never skipped. */
public final class LimitExceededException extends RuntimeException {
    private final String path;

    LimitExceededException(String path, String message) {
        super(message);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
