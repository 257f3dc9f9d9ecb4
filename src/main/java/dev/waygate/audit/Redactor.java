package dev.waygate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * Makes the argument summary an audit entry carries: a bounded copy of the arguments in which no
 * secret survives. In this order, for each value:
 * <ol>
 *   <li>a value under a key that names a secret ({@code password}, {@code api_key}, {@code token},
 *       {@code authorization}, {@code cookie}, ... or a configured {@code redact_fields} name) is
 *       replaced whole, whatever its type — the attack stopped: an agent passing a credential as a
 *       tool argument, which would otherwise sit in the log for every reader of it;</li>
 *   <li>a string that contains something shaped like a secret (a Waygate key, a Bearer token, a JWT,
 *       an AWS access key id, a GitHub token, a private key block, credentials in a URL, ...) is
 *       replaced whole; it is scanned before truncation, with a margin, so a secret cut in half by
 *       truncation is still found;</li>
 *   <li>strings, arrays, objects, depth and the total number of values are bounded; what is cut says
 *       how much was cut.</li>
 * </ol>
 * Keys that themselves look like secrets are replaced too. The scan is linear (see
 * {@link dev.waygate.guard.Secrets}): an argument cannot make the gateway's audit path slow.
 */
public final class Redactor {
    public static final String REDACTED = "[REDACTED]";
    static final int MAX_STRING = 256;
    static final int SCAN_MARGIN = 4096;
    static final int MAX_ARRAY = 20;
    static final int MAX_FIELDS = 50;
    static final int MAX_DEPTH = 8;
    static final int MAX_VALUES = 500;
    static final int MAX_KEY = 64;

    /** Words (after splitting a key at case changes and separators) that name a secret. */
    private static final Set<String> SECRET_WORDS = Set.of("password", "passwd", "pwd", "passphrase", "secret",
            "secrets", "token", "key", "apikey", "authorization", "auth", "credential", "credentials", "cookie",
            "cookies", "bearer", "jwt", "otp", "pin", "privatekey", "accesskey", "secretkey", "sessionid",
            "session", "signature", "sig", "xsrf", "csrf");
    /** Substrings of a lower-cased key without separators that always name a secret. */
    private static final List<String> SECRET_PARTS = List.of("password", "passwd", "passphrase", "secret",
            "credential", "apikey", "accesskey", "privatekey", "authtoken", "accesstoken", "refreshtoken",
            "idtoken", "sessiontoken", "bearertoken", "authorization", "cookie");

    private final Set<String> extraFields;

    /** @param extraFields configured {@code redact_fields}: more argument names to redact (any case, - or _) */
    public Redactor(Collection<String> extraFields) {
        this.extraFields = Set.copyOf(extraFields.stream().map(Redactor::normalize).toList());
    }

    /** The summary of a call's arguments; a null node when there are none. */
    public JsonNode summary(JsonNode args) {
        if (args == null || args.isMissingNode() || args.isNull()) {
            return NullNode.instance;
        }
        return copy(args, 0, new int[] {0});
    }

    /** A single string (a target, a URI): the string bounded, or {@link #REDACTED} if it holds a secret. */
    public static String text(String s) {
        return looksSecret(s) ? REDACTED : truncate(s);
    }

    /** Whether a key names a secret; remembered per name ({@link dev.waygate.guard.NameMemo}). */
    public boolean secretKey(String key) {
        return secretKeys.get(key);
    }

    private final dev.waygate.guard.NameMemo<Boolean> secretKeys = new dev.waygate.guard.NameMemo<>(this::judgeKey);

    private boolean judgeKey(String key) {
        String n = normalize(key);
        if (extraFields.contains(n)) {
            return true;
        }
        for (String part : SECRET_PARTS) {
            if (n.contains(part)) {
                return true;
            }
        }
        for (String w : words(key)) {
            if (SECRET_WORDS.contains(w) || w.endsWith("token") || w.endsWith("apikey") || w.endsWith("secretkey")
                    || w.endsWith("privatekey") || w.endsWith("accesskey")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a string contains something shaped like a credential (scanning a bounded prefix). The
     * shapes are the guards' list ({@link dev.waygate.guard.Secrets}), weak matches included: the
     * log hides {@code Bearer xyz} even where the guards would let it pass.
     */
    public static boolean looksSecret(String s) {
        String scanned = s.length() > MAX_STRING + SCAN_MARGIN ? s.substring(0, MAX_STRING + SCAN_MARGIN) : s;
        return dev.waygate.guard.Secrets.any(scanned);
    }

    private JsonNode copy(JsonNode n, int depth, int[] budget) {
        if (++budget[0] > MAX_VALUES) {
            return JsonNodeFactory.instance.textNode("[truncated]");
        }
        if (n.isTextual()) {
            return JsonNodeFactory.instance.textNode(text(n.textValue()));
        }
        if (n.isContainerNode() && depth >= MAX_DEPTH) {
            return JsonNodeFactory.instance.textNode("[depth " + depth + "]");
        }
        if (n.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < n.size() && i < MAX_ARRAY; i++) {
                out.add(copy(n.get(i), depth + 1, budget));
            }
            if (n.size() > MAX_ARRAY) {
                out.add("[+" + (n.size() - MAX_ARRAY) + " more]");
            }
            return out;
        }
        if (n.isObject()) {
            return copyObject(n, depth, budget);
        }
        return n.isNumber() || n.isBoolean() || n.isNull() ? n.deepCopy() : JsonNodeFactory.instance.textNode("[binary]");
    }

    private ObjectNode copyObject(JsonNode n, int depth, int[] budget) {
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        n.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        int fields = 0;
        int hiddenKeys = 0;
        for (var e : sorted.entrySet()) {
            if (fields++ >= MAX_FIELDS) {
                out.put("[+" + (sorted.size() - MAX_FIELDS) + " more fields]", "");
                break;
            }
            String key = e.getKey();
            if (looksSecret(key)) {
                key = REDACTED + (hiddenKeys++ == 0 ? "" : "#" + hiddenKeys);
                out.put(key, REDACTED);
                continue;
            }
            key = key.length() > MAX_KEY ? key.substring(0, MAX_KEY) + "…" : key;
            out.set(key, secretKey(e.getKey()) ? JsonNodeFactory.instance.textNode(REDACTED) : copy(e.getValue(), depth + 1, budget));
        }
        return out;
    }

    private static String truncate(String s) {
        if (s.length() <= MAX_STRING) {
            return s;
        }
        int cut = MAX_STRING;
        if (Character.isHighSurrogate(s.charAt(cut - 1))) {
            cut--;
        }
        return s.substring(0, cut) + "…[+" + (s.length() - cut) + " chars]";
    }

    static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "").replace(".", "").replace(" ", "");
    }

    /** {@code x-api-key} → x, api, key; {@code clientSecret} → client, secret; {@code APIKey} → api, key. */
    public static List<String> words(String key) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean boundary = !Character.isLetterOrDigit(c);
            boolean upperAfterLower = Character.isUpperCase(c) && i > 0 && Character.isLowerCase(key.charAt(i - 1));
            boolean acronymEnd = Character.isUpperCase(c) && i + 1 < key.length() && Character.isLowerCase(key.charAt(i + 1))
                    && i > 0 && Character.isUpperCase(key.charAt(i - 1));
            if ((boundary || upperAfterLower || acronymEnd) && !w.isEmpty()) {
                out.add(w.toString().toLowerCase(Locale.ROOT));
                w.setLength(0);
            }
            if (!boundary) {
                w.append(c);
            }
        }
        if (!w.isEmpty()) {
            out.add(w.toString().toLowerCase(Locale.ROOT));
        }
        return out;
    }
}
