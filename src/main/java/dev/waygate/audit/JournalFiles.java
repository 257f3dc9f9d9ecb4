package dev.waygate.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names and order of the journal files: {@code audit-YYYY-MM-DD.jsonl} for the first file of a UTC
 * day, {@code audit-YYYY-MM-DD.N.jsonl} for the ones rotated by size; checkpoints in
 * {@code checkpoints.jsonl}. The chain runs through the files in (day, N) order.
 */
public final class JournalFiles {
    public static final String CHECKPOINTS = "checkpoints.jsonl";
    public static final String PUBLIC_KEYS = "keys";
    private static final Pattern NAME = Pattern.compile("audit-(\\d{4}-\\d{2}-\\d{2})(?:\\.(\\d{1,9}))?\\.jsonl");

    /** A journal file's place in the order. */
    public record Name(LocalDate day, int part) implements Comparable<Name> {
        private static final Comparator<Name> ORDER = Comparator.comparing(Name::day).thenComparingInt(Name::part);

        public String file() {
            return "audit-" + day + (part == 0 ? "" : "." + part) + ".jsonl";
        }

        @Override
        public int compareTo(Name o) {
            return ORDER.compare(this, o);
        }
    }

    private JournalFiles() {}

    public static Optional<Name> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Name(LocalDate.parse(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))));
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    /** The journal files of a directory in chain order. */
    public static List<Name> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> parse(p.getFileName().toString())).flatMap(Optional::stream).sorted().toList();
        }
    }

    /** The file to start after {@code last} for an entry of {@code day}. */
    public static Name next(Optional<Name> last, LocalDate day) {
        if (last.isPresent() && last.get().day().equals(day)) {
            return new Name(day, last.get().part() + 1);
        }
        return new Name(day, 0);
    }
}
