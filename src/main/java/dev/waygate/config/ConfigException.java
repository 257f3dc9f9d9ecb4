package dev.waygate.config;

/** A configuration that cannot be used. The message is one line: {@code file:line: key: reason}. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String file, int line, String key, String reason) {
        // A quoted key or value can hold a line break; written out, it would split the one line in two.
        super((file + ":" + (line > 0 ? line : 1) + ": " + (key.isEmpty() ? "" : key + ": ") + reason)
                .replace("\r", "\\r").replace("\n", "\\n"));
    }

    public ConfigException(String message) {
        super(message);
    }
}
