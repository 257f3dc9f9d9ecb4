package dev.waygate.sandbox;

import java.io.IOException;

/** A server's sandbox cannot be set up; the server is not started, and {@code /ready} shows the message. */
public final class SandboxException extends IOException {
    public SandboxException(String message) {
        super("sandbox: " + message);
    }
}
