package dev.waygate.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.waygate.mcp.Json;
import dev.waygate.mcp.McpException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Pagination of an aggregated, sorted list. The cursor names the last key returned (not an
 * offset), so a page boundary stays correct when the list changes between pages.
 */
final class Pages {
    private Pages() {}

    static ObjectNode page(List<Entry> sorted, String field, JsonNode params, int pageSize) {
        int start = 0;
        JsonNode cursor = params.path("cursor");
        if (cursor.isTextual()) {
            String after = decode(field, cursor.asText());
            start = firstAfter(sorted, after);
        } else if (!cursor.isMissingNode() && !cursor.isNull()) {
            throw McpException.invalidParams("cursor must be a string");
        }
        ObjectNode result = Json.object();
        ArrayNode items = result.putArray(field);
        int end = Math.min(sorted.size(), start + pageSize);
        for (int i = start; i < end; i++) {
            items.add(sorted.get(i).item());
        }
        if (end < sorted.size()) {
            result.put("nextCursor", encode(field, sorted.get(end - 1).key()));
        }
        return result;
    }

    private static int firstAfter(List<Entry> sorted, String after) {
        int lo = 0;
        int hi = sorted.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted.get(mid).key().compareTo(after) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static String encode(String field, String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((field + "\n" + lastKey).getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String field, String cursor) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (s.startsWith(field + "\n")) {
                return s.substring(field.length() + 1);
            }
        } catch (IllegalArgumentException e) {
            // falls through
        }
        throw McpException.invalidParams("invalid cursor");
    }
}
