package dev.waygate.policy;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resource URIs as a glob should see them. An upstream routes {@code file:///{+path}} reads by a
 * template that accepts {@code ..}, so {@code file:///srv/data/../../etc/passwd} would match an
 * allowing glob {@code file:///srv/data/*} and dodge a denying one {@code file:///etc/*}. An
 * allowing rule therefore matches only a clean URI (one {@link #normalise} leaves alone), and a
 * denying rule matches the URI as written or as normalised.
 */
final class ResourceUris {
    private ResourceUris() {}

    static boolean isClean(String uri) {
        return normalise(uri).equals(uri);
    }

    /**
     * The URI with {@code %2e}, {@code %2f} and {@code %5c} decoded, backslashes read as slashes,
     * and {@code .} and {@code ..} segments of its path removed (RFC 3986, 5.2.4). The query and
     * fragment are left as they are.
     */
    static String normalise(String uri) {
        int end = firstOf(uri, '?', '#');
        String head = uri.substring(0, end);
        int scheme = head.indexOf("://");
        int pathStart = scheme < 0 ? head.indexOf(':') + 1 : head.indexOf('/', scheme + 3);
        if (pathStart < 0 || pathStart >= head.length()) {
            return uri;
        }
        String path = head.substring(pathStart).replaceAll("(?i)%2e", ".").replaceAll("(?i)%2f|%5c", "/").replace('\\', '/');
        return head.substring(0, pathStart) + removeDotSegments(path) + uri.substring(end);
    }

    private static String removeDotSegments(String path) {
        boolean absolute = path.startsWith("/");
        String[] segments = path.split("/", -1);
        Deque<String> out = new ArrayDeque<>();
        boolean trailing = false;
        for (int i = absolute ? 1 : 0; i < segments.length; i++) {
            String s = segments[i];
            trailing = s.equals(".") || s.equals("..");
            if (s.equals("..")) {
                out.pollLast();
            } else if (!s.equals(".")) {
                out.addLast(s);
            }
        }
        String joined = String.join("/", out);
        return (absolute ? "/" : "") + joined + (trailing && !joined.isEmpty() ? "/" : "");
    }

    private static int firstOf(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? (j < 0 ? s.length() : j) : (j < 0 ? i : Math.min(i, j));
    }
}
