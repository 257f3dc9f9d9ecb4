package dev.waygate.upstream;

import java.io.IOException;

/** A remote upstream answered an HTTP request with an error status. */
final class HttpStatusException extends IOException {
    private final int status;

    HttpStatusException(int status, String what) {
        super(what + ": HTTP " + status);
        this.status = status;
    }

    int status() {
        return status;
    }
}
