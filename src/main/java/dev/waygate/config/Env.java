package dev.waygate.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * References in configuration values, expanded in this order of forms:
 * <ol>
 *   <li>{@code $$} is a literal dollar;</li>
 *   <li>{@code ${file:PATH}} is the content of the file PATH (relative to the directory of the
 *       document it is written in), trailing line breaks removed;</li>
 *   <li>{@code ${NAME}} is the environment variable NAME; when NAME is unset or empty and
 *       {@code NAME_FILE} is set, the content of the file it names (the Docker and Kubernetes
 *       convention); both set is an error, since which one wins would be a guess;</li>
 *   <li>{@code ${NAME:-default}} is the same, with the default when neither gives a value.</li>
 * </ol>
 * A missing variable without a default is an error. The expanded value is never expanded again,
 * and no error message quotes a value that came from the environment or a file.
 */
final class Env {
    /** Group 1: a file path; 2: a variable name; 3: ":-default"; 4: the default; anything else after "${" is malformed. */
    private static final Pattern REF = Pattern.compile(
            "\\$\\$|\\$\\{file:(?!-)([^}]*)}|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}|\\$\\{([^}]*)}?");
    /** Stands for "a value from a reference" in {@link #literalView}; a private-use character nobody types. */
    static final char FROM_REFERENCE = '\uE000';

    /** What references resolve against: the environment, the document's directory, the file reader. */
    record Refs(Function<String, String> env, Path base, SecretFiles files) {}

    private Env() {}

    static String expand(String text, Refs refs, Function<String, ConfigException> error) {
        return rewrite(text, m -> {
            if (m.group().equals("$$")) {
                return "$";
            } else if (m.group(1) != null) {
                return fileReference(m.group(1), refs, error);
            } else if (m.group(2) != null) {
                return variable(m.group(2), m.group(3) != null ? m.group(4) : null, refs, error);
            }
            throw error.apply("malformed reference '" + m.group()
                    + "' (write ${NAME}, ${NAME:-default}, ${file:PATH}, or $$ for a dollar)");
        });
    }

    /**
     * The text as written, with every reference that supplies a value from outside the file
     * replaced by {@link #FROM_REFERENCE}: what is left is literal text. {@code ${NAME:-default}}
     * with a non-empty default is its default, literal text: it is the value when NAME is unset.
     * Malformed references are left as written ({@link #expand} reports them).
     */
    static String literalView(String text) {
        return rewrite(text, m -> {
            if (m.group().equals("$$")) {
                return "$";
            } else if (m.group(1) != null) {
                return String.valueOf(FROM_REFERENCE);
            } else if (m.group(2) != null) {
                // A written default is what the value is when the variable is unset: literal text.
                String dflt = m.group(3) != null ? m.group(4) : "";
                return dflt.isEmpty() ? String.valueOf(FROM_REFERENCE) : dflt;
            }
            return m.group();
        });
    }

    /** Replaces every reference (and {@code $$}) by what {@code replace} makes of it. */
    private static String rewrite(String text, Function<Matcher, String> replace) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        Matcher m = REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replace.apply(m)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String fileReference(String path, Refs refs, Function<String, ConfigException> error) {
        if (path.isBlank()) {
            throw error.apply("${file:} names no file (write ${file:PATH}, relative to this file's directory)");
        }
        String what = "${file:" + path + "}";
        try {
            return refs.files().read(refs.base().resolve(path).normalize(), what, error);
        } catch (InvalidPathException e) {
            throw error.apply(what + " is not a valid path");
        }
    }

    private static String variable(String name, String dflt, Refs refs, Function<String, ConfigException> error) {
        String v = refs.env().apply(name);
        String fileName = name + "_FILE";
        String file = refs.env().apply(fileName);
        boolean hasValue = v != null && !v.isEmpty();
        boolean hasFile = file != null && !file.isEmpty();
        if (hasValue && hasFile) {
            throw error.apply("both " + name + " and " + fileName + " are set: unset one of them");
        }
        if (hasFile) {
            // Like any path in the environment, a relative one is relative to the working directory.
            try {
                return refs.files().read(Path.of(file).toAbsolutePath().normalize(), fileName, error);
            } catch (InvalidPathException e) {
                throw error.apply(fileName + " is not a valid path");
            }
        }
        if (dflt != null && !hasValue) {
            return dflt;
        }
        if (v == null) {
            throw error.apply("environment variable " + name + " is not set (nor " + fileName + ")");
        }
        return v;
    }
}
