package dev.waygate.guard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.waygate.net.Resolver;
import dev.waygate.net.SsrfCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Inspects one call's arguments. For each string, in order: secrets (every value and key), then
 * by what the argument is — path-like: traversal; URL-like: SSRF (a {@code file:} URI in a
 * {@code uri} argument is a path); shell-like (by name, or every argument of a shell tool):
 * command injection; marked SQL: SQL injection; marked HTML: script injection. Detectors in
 * mode {@code off} are not run. Values are normalised once, lazily, only when a detector that
 * needs the normalised form runs.
 */
public final class ArgumentGuard {
    private final SsrfCheck ssrf;

    public ArgumentGuard(Resolver resolver) {
        this.ssrf = new SsrfCheck(resolver);
    }

    /**
     * @param tool   the exposed tool name (for shell-tool globs)
     * @param schema the tool's input schema, or a missing node
     * @throws LimitExceededException when the arguments exceed the limits
     */
    public List<Finding> inspect(String tool, JsonNode args, JsonNode schema, GuardSettings s, Map<Check, Mode> modes) {
        List<Finding> out = new ArrayList<>();
        if (args == null || args.isMissingNode() || args.isNull()) {
            return out;
        }
        boolean shellTool = s.shellTool(tool);
        PathTraversal traversal = new PathTraversal(s.roots());
        Ssrf urls = new Ssrf(ssrf, s.urlSchemes(), s.allowedCidrs());
        new Walker(s.limits(), (path, name, value, key, propSchema) -> {
            if (on(modes, Check.SECRETS)) {
                add(out, modes, Check.SECRETS, path, secret(value));
            }
            if (key || value.isEmpty()) {
                return;
            }
            String norm = null;
            if (on(modes, Check.PATH_TRAVERSAL) || on(modes, Check.SSRF)) {
                boolean uri = ArgumentNames.uriLike(name);
                boolean url = !uri && ArgumentNames.urlLike(name, s, propSchema);
                boolean fileUri = value.regionMatches(true, 0, "file:", 0, 5);
                if (ArgumentNames.pathLike(name, s) || (uri && fileUri)) {
                    norm = Normaliser.normalise(value);
                    add(out, modes, Check.PATH_TRAVERSAL, path, traversal.check(norm));
                }
                if (url || (uri && !fileUri && ArgumentNames.networkScheme(value, s))) {
                    norm = norm == null ? Normaliser.normalise(value) : norm;
                    add(out, modes, Check.SSRF, path, urls.check(value, norm));
                }
            }
            if ((shellTool || s.shellArguments().contains(name)) && on(modes, Check.COMMAND_INJECTION)) {
                norm = norm == null ? Normaliser.normalise(value) : norm;
                add(out, modes, Check.COMMAND_INJECTION, path, CommandInjection.check(norm));
            }
            if (s.sqlArguments().contains(name) && on(modes, Check.SQL_INJECTION)) {
                norm = norm == null ? Normaliser.normalise(value) : norm;
                add(out, modes, Check.SQL_INJECTION, path, SqlInjection.check(norm));
            }
            if (s.htmlArguments().contains(name) && on(modes, Check.SCRIPT_INJECTION)) {
                norm = norm == null ? Normaliser.normalise(value) : norm;
                add(out, modes, Check.SCRIPT_INJECTION, path, ScriptInjection.check(norm));
            }
        }).walk(args, schema == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : schema);
        return out;
    }

    /** A credential in the value as sent or once decoded ({@code AKIA%31...}): the kind, never the value. */
    private static Optional<String> secret(String value) {
        String kind = firstActionable(Secrets.scan(value));
        if (kind == null && value.indexOf('%') >= 0) {
            kind = firstActionable(Secrets.scan(Normaliser.normalise(value)));
        }
        return kind == null ? Optional.empty() : Optional.of("credential (" + kind + ")");
    }

    /** The kind of the first actionable match, or null (a loop: this runs for every string of every call). */
    private static String firstActionable(List<SecretMatch> matches) {
        for (int i = 0; i < matches.size(); i++) {
            if (matches.get(i).actionable()) {
                return matches.get(i).kind();
            }
        }
        return null;
    }

    private static boolean on(Map<Check, Mode> modes, Check c) {
        return modes.get(c) != Mode.OFF;
    }

    private static void add(List<Finding> out, Map<Check, Mode> modes, Check c, String path, Optional<String> reason) {
        Mode m = modes.get(c);
        if (reason.isPresent() && m != Mode.OFF) {
            out.add(new Finding(c.code(), path, reason.get(), m));
        }
    }
}
