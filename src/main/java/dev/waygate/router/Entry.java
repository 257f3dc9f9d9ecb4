package dev.waygate.router;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One aggregated list item: a tool, prompt, resource or resource template.
 *
 * @param key          what clients see and sort by (exposed name, URI or URI template)
 * @param server       the upstream that owns it
 * @param upstreamName its name at the upstream (tools, prompts) or the key again
 * @param item         the item as clients get it (name rewritten)
 */
record Entry(String key, String server, String upstreamName, ObjectNode item) {}
