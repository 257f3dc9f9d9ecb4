package dev.waygate.guard;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which arguments are paths or URLs, by their name (its last word: {@code source_path},
 * {@code filePath}, {@code target_url}) or by the tool's input schema ({@code format: uri}).
 */
final class ArgumentNames {
    static final Set<String> PATH_WORDS = Set.of("path", "paths", "file", "files", "filename", "filenames", "filepath",
            "dir", "dirs", "directory", "directories", "folder", "source", "destination", "src", "dest");
    static final Set<String> URL_WORDS = Set.of("url", "urls", "href", "link", "endpoint", "webhook", "callback");

    private ArgumentNames() {}

    static boolean pathLike(String name, GuardSettings s) {
        return !name.isEmpty() && (s.pathArguments().contains(name) || PATH_WORDS.contains(lastWord(name)));
    }

    static boolean urlLike(String name, GuardSettings s, JsonNode propertySchema) {
        if (s.urlArguments().contains(name) || URL_WORDS.contains(lastWord(name))) {
            return true;
        }
        String format = propertySchema.path("format").asText("");
        return format.equals("uri") || format.equals("url") || format.equals("iri");
    }

    /** {@code uri}, {@code resourceUri}, {@code file_uri}: a path when it is a {@code file:} URI, a URL otherwise. */
    static boolean uriLike(String name) {
        String w = lastWord(name);
        return w.equals("uri") || w.equals("uris");
    }

    /**
     * Schemes that reach a network address, besides the configured URL schemes: a {@code uri}
     * argument with one of them is checked for SSRF; one with its own scheme ({@code test://},
     * {@code memo://}, {@code urn:}: MCP resource URIs) names no network destination.
     */
    static final Set<String> NETWORK_SCHEMES = Set.of("http", "https", "ws", "wss", "ftp", "ftps", "sftp", "tftp", "gopher",
            "dict", "ldap", "ldaps", "smb", "telnet", "ssh", "redis", "rtsp", "jar", "netdoc", "mailto", "news", "nntp");

    static boolean networkScheme(String value, GuardSettings s) {
        String v = Normaliser.normalise(value);
        int colon = v.indexOf(':');
        if (colon <= 0) {
            return true; // no scheme: let the URL check judge (and refuse) it
        }
        String scheme = v.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        for (int i = 0; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return true; // not a scheme at all: judged as a URL
            }
        }
        return NETWORK_SCHEMES.contains(scheme) || s.urlSchemes().contains(scheme);
    }

    /** The last word of a name, remembered ({@link NameMemo}): splitting it was about 3% of what a call allocated. */
    static String lastWord(String name) {
        return LAST_WORDS.get(name);
    }

    private static final NameMemo<String> LAST_WORDS = new NameMemo<>(name -> {
        List<String> words = words(name);
        return words.isEmpty() ? "" : words.getLast();
    });

    /** {@code source_path} → source, path; {@code filePath} → file, path; {@code URL} → url (the first 128 characters). */
    static List<String> words(String key) {
        return dev.waygate.audit.Redactor.words(key.length() > 128 ? key.substring(0, 128) : key);
    }
}
