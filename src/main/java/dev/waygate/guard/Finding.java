package dev.waygate.guard;

/**
 * What a detector found: never the matched value, only where and what kind.
 *
 * @param detector the {@link Check#code()}
 * @param path     JSON path of the value, e.g. {@code $.files[2].path} (arguments) or {@code $.content[0].text} (results)
 * @param reason   short and free of the value, e.g. {@code parent-directory segment}
 * @param mode     the mode it was found under: enforce (denied or redacted) or report
 */
public record Finding(String detector, String path, String reason, Mode mode) {
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        return dev.waygate.mcp.Json.object().put("detector", detector).put("path", path).put("reason", reason)
                .put("mode", mode.wire());
    }
}
