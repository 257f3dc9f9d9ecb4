package dev.waygate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.auth.Principal;
import dev.waygate.pipeline.CallKind;

/**
 * What a policy decision is asked about (a record, so the decide signature never changes).
 *
 * @param principal who calls
 * @param kind      tool call, prompt get or resource read
 * @param server    the upstream that serves the target
 * @param name      exposed tool or prompt name, or resource URI
 * @param arguments the call's arguments (an empty object when there are none)
 */
public record PolicyQuery(Principal principal, CallKind kind, String server, String name, JsonNode arguments) {}
