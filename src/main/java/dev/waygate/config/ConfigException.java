package dev.waygate.config;

/** A configuration that cannot be used. The message is one line: {@code file:line: key: reason}. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String file, int line, String key, String reason) {
        super(file + ":" + (line > 0 ? line : 1) + ": " + (key.isEmpty() ? "" : key + ": ") + reason);
    }

    public ConfigException(String message) {
        super(message);
    }
}
