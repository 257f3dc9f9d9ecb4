package dev.waygate.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Inspects what an upstream answered before the client (and its model) reads it: every string of
 * the result — text content, {@code structuredContent}, embedded and read resources' text, prompt
 * messages — except binary payloads and protocol fields. Per string, in order:
 * <ol>
 *   <li>secrets: enforce redacts each as {@code [REDACTED:kind]}, report records it;</li>
 *   <li>PII (off by default): enforce redacts as {@code [REDACTED:email]} etc.;</li>
 *   <li>prompt injection and hidden text: report (default) records it, enforce strips the hidden
 *       characters and replaces the instructions with {@code [REMOVED:prompt-injection]}.</li>
 * </ol>
 * The result is copied only when something is changed.
 */
public final class ResultGuard {
    /**
     * In MCP content items and resource contents only: base64 payloads and protocol fields, not
     * text a model reads. Elsewhere ({@code structuredContent}) every field is inspected.
     */
    private static final Set<String> SKIPPED = Set.of("blob", "data", "mimeType", "type", "uri", "_meta", "annotations");
    private static final Set<String> CONTENT_TYPES = Set.of("text", "image", "audio", "resource", "resource_link");

    public record Outcome(JsonNode result, List<Finding> findings) {}

    public Outcome inspect(JsonNode result, Map<Check, Mode> modes) {
        List<Finding> findings = new ArrayList<>();
        if (modes.get(Check.RESULT_SECRETS) == Mode.OFF && modes.get(Check.PII) == Mode.OFF
                && modes.get(Check.PROMPT_INJECTION) == Mode.OFF) {
            return new Outcome(result, findings);
        }
        int[] values = {0};
        JsonNode out = visit(result, "$", 0, modes, findings, values);
        return new Outcome(out, findings);
    }

    /** Returns {@code n} itself when nothing under it changed. */
    private JsonNode visit(JsonNode n, String path, int depth, Map<Check, Mode> modes, List<Finding> findings, int[] values) {
        GuardSettings.Limits limits = GuardSettings.Limits.RESULTS;
        if (++values[0] > limits.maxValues()) {
            throw new LimitExceededException(path, "a result with more than " + limits.maxValues() + " values");
        }
        if (n.isTextual()) {
            if (n.textValue().length() > limits.maxStringLength()) {
                throw new LimitExceededException(path, "a result string longer than " + limits.maxStringLength() + " characters");
            }
            String s = text(n.textValue(), path, modes, findings);
            return s == null ? n : TextNode.valueOf(s);
        }
        if (!n.isContainerNode()) {
            return n;
        }
        if (depth >= limits.maxDepth()) {
            throw new LimitExceededException(path, "a result nested deeper than " + limits.maxDepth() + " levels");
        }
        if (n.isArray()) {
            ArrayNode copy = null;
            for (int i = 0; i < n.size(); i++) {
                JsonNode c = visit(n.get(i), JsonPaths.index(path, i), depth + 1, modes, findings, values);
                if (c != n.get(i)) {
                    copy = copy == null ? ((ArrayNode) n).deepCopy() : copy;
                    copy.set(i, c);
                }
            }
            return copy == null ? n : copy;
        }
        ObjectNode copy = null;
        boolean item = CONTENT_TYPES.contains(n.path("type").asText("")) || (n.path("uri").isTextual()
                && (n.has("text") || n.has("blob") || n.has("mimeType")));
        for (var it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            if (item && SKIPPED.contains(e.getKey())) {
                continue;
            }
            JsonNode c = visit(e.getValue(), JsonPaths.field(path, e.getKey()), depth + 1, modes, findings, values);
            if (c != e.getValue()) {
                copy = copy == null ? ((ObjectNode) n).deepCopy() : copy;
                copy.set(e.getKey(), c);
            }
        }
        return copy == null ? n : copy;
    }

    /** The changed text, or null when unchanged. */
    private static String text(String s, String path, Map<Check, Mode> modes, List<Finding> findings) {
        String out = s;
        Mode secrets = modes.get(Check.RESULT_SECRETS);
        if (secrets != Mode.OFF) {
            List<SecretMatch> found = Secrets.scan(out).stream().filter(SecretMatch::actionable).toList();
            if (!found.isEmpty()) {
                findings.add(new Finding(Check.SECRETS.code(), path, "credential (" + kinds(found.stream().map(SecretMatch::kind)) + ")", secrets));
                out = secrets == Mode.ENFORCE ? Secrets.redact(out, found) : out;
            }
        }
        Mode pii = modes.get(Check.PII);
        if (pii != Mode.OFF) {
            List<Pii.Match> found = Pii.scan(out);
            if (!found.isEmpty()) {
                findings.add(new Finding(Check.PII.code(), path, "personal data (" + kinds(found.stream().map(Pii.Match::kind)) + ")", pii));
                out = pii == Mode.ENFORCE ? Pii.redact(out, found) : out;
            }
        }
        Mode pi = modes.get(Check.PROMPT_INJECTION);
        if (pi != Mode.OFF) {
            Optional<String> hidden = HiddenText.check(out);
            if (hidden.isPresent()) {
                findings.add(new Finding(Check.PROMPT_INJECTION.code(), path, hidden.get(), pi));
                out = pi == Mode.ENFORCE ? HiddenText.strip(out) : out;
            }
            List<int[]> spans = PromptInjection.find(out);
            if (!spans.isEmpty()) {
                findings.add(new Finding(Check.PROMPT_INJECTION.code(), path, "instructions aimed at the model", pi));
                out = pi == Mode.ENFORCE ? PromptInjection.strip(out, spans) : out;
            }
        }
        return out == s ? null : out; // every step returns its input when it changes nothing
    }

    private static String kinds(java.util.stream.Stream<String> kinds) {
        return String.join(", ", kinds.distinct().sorted().toList());
    }
}
