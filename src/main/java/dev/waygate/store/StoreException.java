package dev.waygate.store;

/** The store failed. Callers on a security path treat it as a denial. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
