package dev.waygate.guard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Path arguments that leave where they should stay. In order, on the normalised value with
 * {@code \} read as {@code /} and a {@code file:} URI reduced to its path:
 * <ol>
 *   <li>a {@code ..} segment (also {@code %2e%2e}, {@code %252e%252e}, {@code ..%2f}, {@code ..\},
 *       {@code .. } with trailing spaces, which Windows drops) — refused whatever the roots;</li>
 *   <li>with roots configured: an absolute path ({@code /x}, {@code C:/x}, {@code //host/x},
 *       {@code ~/x}) outside every root;</li>
 *   <li>with roots configured: a path whose longest existing prefix resolves, through symbolic
 *       links, outside every root (the file itself need not exist: a write would create it there).</li>
 * </ol>
 * Not traversal: {@code a..b.txt}, {@code ..hidden} (a name starting with two dots is a file in the
 * current directory), {@code v1.2..v1.3}, {@code C:\Program Files} when no roots are configured.
 */
final class PathTraversal {
    private final List<Path> roots;

    /** @param roots absolute, normalised; empty when no roots are configured */
    PathTraversal(List<Path> roots) {
        this.roots = List.copyOf(roots);
    }

    Optional<String> check(String normalised) {
        String p = stripFileScheme(Normaliser.pathForm(normalised));
        if (stillEncoded(p)) {
            return Optional.of("dot or separator percent-encoded more times than the guard decodes");
        }
        if (parentSegment(p)) {
            return Optional.of("parent-directory segment '..'");
        }
        if (roots.isEmpty() || p.isEmpty()) {
            return Optional.empty();
        }
        boolean absolute = p.startsWith("/") || p.startsWith("~") || (p.length() >= 2 && p.charAt(1) == ':');
        Path candidate;
        try {
            candidate = absolute ? (p.startsWith("/") && !p.startsWith("//") ? Path.of(p).normalize() : null)
                    : roots.getFirst().resolve(p).normalize();
        } catch (InvalidPathException e) {
            return Optional.of("not a valid path");
        }
        if (candidate == null || roots.stream().noneMatch(candidate::startsWith)) {
            return Optional.of("absolute path outside the configured roots");
        }
        return symlinkEscape(candidate);
    }

    /** Resolves the longest existing prefix through links; the rest is appended as written. */
    private Optional<String> symlinkEscape(Path candidate) {
        Path existing = candidate;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.empty();
        }
        try {
            Path real = existing.toRealPath().resolve(existing.relativize(candidate)).normalize();
            for (Path root : roots) {
                Path realRoot = Files.exists(root) ? root.toRealPath() : root;
                if (real.startsWith(realRoot)) {
                    return Optional.empty();
                }
            }
            return Optional.of("resolves through a symbolic link outside the configured roots");
        } catch (IOException e) {
            // a dangling link: where a write would land cannot be known, so refuse
            return Optional.of("a symbolic link on the path cannot be resolved");
        }
    }

    /** A segment that is {@code ..}, or {@code ..} followed only by spaces (which Windows drops). No allocation. */
    static boolean parentSegment(String p) {
        int start = 0;
        while (start <= p.length()) {
            int end = p.indexOf('/', start);
            end = end < 0 ? p.length() : end;
            int last = end;
            while (last > start && p.charAt(last - 1) == ' ') {
                last--;
            }
            if (last - start == 2 && p.charAt(start) == '.' && p.charAt(start + 1) == '.') {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean stillEncoded(String p) {
        if (p.indexOf('%') < 0) {
            return false;
        }
        String l = p.toLowerCase(java.util.Locale.ROOT);
        return l.contains("%2e") || l.contains("%2f") || l.contains("%5c");
    }

    /** {@code file:///a}, {@code file://host/a}, {@code file:/a} → {@code /a}; anything else unchanged. */
    static String stripFileScheme(String p) {
        if (!p.regionMatches(true, 0, "file:", 0, 5)) {
            return p;
        }
        String rest = p.substring(5);
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            return slash < 0 ? "/" : rest.substring(slash);
        }
        return rest;
    }
}
