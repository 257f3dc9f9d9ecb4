package dev.waygate.pin;

import java.util.Objects;

/**
 * One sign of poisoning in a tool definition's text.
 *
 * @param kind    stable code: {@code hidden_characters}, {@code instruction_override}, {@code secrecy},
 *                {@code instruction_tags}, {@code sensitive_file}, {@code exfiltration}, {@code tool_hijack},
 *                {@code padding}, {@code oversized}
 * @param where   which part of the definition ({@code description}, {@code inputSchema.properties.x.description});
 *                empty for a bare text scan
 * @param reason  a short human sentence
 * @param excerpt the matched text, printable and bounded (hidden characters shown decoded or escaped)
 */
public record Finding(String kind, String where, String reason, String excerpt) {
    public Finding {
        Objects.requireNonNull(kind, "kind");
        where = Objects.requireNonNullElse(where, "");
        reason = Objects.requireNonNullElse(reason, "");
        excerpt = Objects.requireNonNullElse(excerpt, "");
    }

    Finding at(String location) {
        return new Finding(kind, location, reason, excerpt);
    }
}
