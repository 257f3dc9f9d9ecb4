package dev.waygate.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The paths a server's own {@code command}, {@code args} and {@code cwd} name, shown read-only
 * without configuration, so that {@code command: node, args: [/opt/servers/x.js]} just works:
 * <ol>
 *   <li>a named directory is bound;</li>
 *   <li>a named script ({@code .js .mjs .cjs .py .ts}...) is bound with its directory (it imports its
 *       neighbours), and every {@code node_modules} directory beside one of its ancestors, which is
 *       where Node resolves its imports; inside a {@code node_modules} tree the outermost one is bound;</li>
 *   <li>any other named file is bound alone.</li>
 * </ol>
 * Only arguments that look like paths (absolute, or relative with a slash) and exist are bound;
 * {@code stdio} or {@code -y} are not paths. Paths under the system directories are visible anyway.
 */
final class AutoBinds {
    private static final Set<String> SCRIPTS = Set.of("js", "mjs", "cjs", "ts", "mts", "py", "rb", "pl", "sh", "jar");
    static final List<Path> SYSTEM = List.of(Path.of("/usr"), Path.of("/bin"), Path.of("/lib"), Path.of("/lib64"),
            Path.of("/sbin"));

    private AutoBinds() {}

    /**
     * @param cwd       where relative args resolve
     * @param bindCwd   whether {@code cwd} was written (then it is bound too)
     */
    static List<Bind> of(Path command, List<String> args, Path cwd, boolean bindCwd) {
        List<Bind> out = new ArrayList<>();
        add(out, command, "command");
        for (String a : args) {
            if (a.startsWith("/") || (a.contains("/") && !a.startsWith("-"))) {
                Path p = cwd.resolve(a).normalize();
                if (Files.exists(p)) {
                    add(out, p, "args");
                }
            }
        }
        if (bindCwd) {
            out.add(new Bind(cwd, false, "cwd"));
        }
        return out;
    }

    private static void add(List<Bind> out, Path p, String why) {
        if (SYSTEM.stream().anyMatch(p::startsWith)) {
            return;
        }
        if (Files.isDirectory(p)) {
            out.add(new Bind(outermostNodeModules(p).orElse(p), false, why));
            return;
        }
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        boolean script = dot > 0 && SCRIPTS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
        Optional<Path> modules = outermostNodeModules(p);
        if (modules.isPresent()) {
            out.add(new Bind(modules.get(), false, why));
        } else {
            out.add(new Bind(script ? p.getParent() : p, false, why));
        }
        if (script || modules.isPresent()) {
            for (Path dir = p.getParent(); dir != null && dir.getParent() != null; dir = dir.getParent()) {
                Path nm = dir.resolve("node_modules");
                if (Files.isDirectory(nm) && (modules.isEmpty() || !nm.startsWith(modules.get()))) {
                    out.add(new Bind(nm, false, why + " (node_modules)"));
                }
            }
        }
    }

    /** {@code /a/node_modules/x/node_modules/y/index.js} → {@code /a/node_modules}. */
    static Optional<Path> outermostNodeModules(Path p) {
        for (int i = 0; i < p.getNameCount(); i++) {
            if (p.getName(i).toString().equals("node_modules")) {
                return Optional.of(p.getRoot().resolve(p.subpath(0, i + 1)));
            }
        }
        return Optional.empty();
    }
}
