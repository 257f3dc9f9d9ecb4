package dev.waygate.mcp;

/**
 * Text from outside (upstream names and output, client info) made safe for one log line: at most
 * {@value #MAX} code points, control and format characters escaped as a backslash-u escape, so that it
 * cannot forge log lines or terminal escapes (CWE-117).
 */
public final class LogText {
    static final int MAX = 200;

    private LogText() {}

    public static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX));
        s.codePoints().limit(MAX).forEach(cp -> {
            if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return s.codePointCount(0, s.length()) > MAX ? sb + "…" : sb.toString();
    }
}
