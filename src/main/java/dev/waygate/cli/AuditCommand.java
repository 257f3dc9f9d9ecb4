package dev.waygate.cli;

import dev.waygate.audit.Audit;
import dev.waygate.audit.AuditIndex;
import dev.waygate.audit.AuditKeys;
import dev.waygate.audit.JournalFiles;
import dev.waygate.audit.Verifier;
import dev.waygate.audit.VerifyReport;
import dev.waygate.config.ConfigLoader;
import dev.waygate.config.GatewayConfig;
import dev.waygate.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "audit", description = "Verify and search the audit journal.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Search.class, AuditCommand.Reindex.class})
final class AuditCommand {

    @Command(name = "verify", description = {
            "Check every entry's MAC and chain link and every checkpoint signature of the journal in DIR.",
            "Exit 0 and a summary when intact; exit 1 naming the first bad entry (file:line) and the damage."})
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "the journal directory (<data_dir>/audit) or the data directory")
        Path dir;

        @Option(names = "--public-key", paramLabel = "FILE",
                description = "trusted checkpoint public key (PEM); default: the keys exported into DIR/keys (not independent of DIR)")
        Optional<Path> publicKey;

        @Option(names = "--hmac-key", paramLabel = "FILE",
                description = "HMAC key file; default: <data_dir>/audit-keys/hmac.key if present, else MACs are not checked")
        Optional<Path> hmacKey;

        @Option(names = "--retention-days", paramLabel = "N",
                description = "the journal's audit.retention_days: a journal that starts after entry 1 is accepted only if every "
                        + "removed file is one this retention removes (0: none may be missing); default: accepted at a signed "
                        + "checkpoint, and the summary says so")
        Optional<Integer> retentionDays;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Path journal = journalDir(dir);
            Map<String, PublicKey> publicKeys = publicKeys(journal);
            Map<String, byte[]> hmac = hmacKeys(journal);
            long start = System.nanoTime();
            if (retentionDays.isPresent() && retentionDays.get() < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--retention-days: must not be negative");
            }
            Verifier verifier = new Verifier(journal, hmac, publicKeys);
            retentionDays.ifPresent(verifier::retentionDays);
            VerifyReport r = verifier.verify();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("journal:     %s (%d files%s)%n", journal, r.files(), r.emptyFiles() == 0 ? ""
                    : ", " + r.emptyFiles() + " empty: a rotation cut short by a crash or a full disk");
            System.out.printf("entries:     %d%s%s%n", r.entries(), r.entries() == 0 ? "" : " (seq " + r.firstSeq() + ".." + r.lastSeq() + ")",
                    r.entries() == 0 ? "" : ", " + r.firstTime() + " .. " + r.lastTime());
            r.anchor().ifPresent(a -> System.out.printf("anchor:      entry %d, checkpoint of %s signed by %s: entries 1..%d "
                    + "(%s and older files) were removed, as retention does; the chain is verified from there%n",
                    a.seq(), a.time(), a.keyId(), a.seq(), a.file()));
            System.out.printf("checkpoint:  %s%n", r.lastCheckpoint().map(c -> "entry " + c.seq()
                    + (r.lastCheckpointAt().isEmpty() ? "" : " (" + r.lastCheckpointAt() + ")") + " at " + c.time()
                    + ", signed by " + c.keyId()).orElse("none"));
            System.out.printf("keys:        MAC %s; signatures %s%n",
                    hmac.isEmpty() ? "not checked (no HMAC key: chain hashes and signatures only)"
                            : "key " + String.join(", ", hmac.keySet()) + (r.unmacked() > 0 ? " (" + r.unmacked() + " entries by other keys unchecked)" : ""),
                    publicKey.isPresent() ? "by the trusted key " + String.join(", ", publicKeys.keySet())
                            : "by the keys in " + journal.resolve(JournalFiles.PUBLIC_KEYS) + " (pass --public-key for an independent check)");
            r.tornTail().ifPresent(t -> System.out.println("torn tail:   " + t
                    + ": a write cut short by a crash, never acknowledged; everything before it verifies"));
            System.out.printf("verified in: %.2f s%n", seconds);
            if (r.intact()) {
                System.out.println("result:      intact");
                return Main.OK;
            }
            String kind = r.damage().get().wire();
            System.out.println("result:      DAMAGED: " + kind + " at " + r.location() + ": " + r.detail());
            System.err.println("waygate: audit journal damaged: " + kind + " at " + r.location() + ": " + r.detail());
            return Main.FAILURE;
        }

        private Path journalDir(Path given) throws IOException {
            if (!Files.isDirectory(given)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "DIR: no such directory: " + given);
            }
            if (JournalFiles.list(given).isEmpty() && Files.isDirectory(given.resolve(Audit.JOURNAL_DIR))) {
                return given.resolve(Audit.JOURNAL_DIR);
            }
            return given;
        }

        private Map<String, PublicKey> publicKeys(Path journal) throws IOException {
            Map<String, PublicKey> keys = new HashMap<>();
            List<Path> files;
            if (publicKey.isPresent()) {
                files = List.of(publicKey.get());
            } else {
                Path dir = journal.resolve(JournalFiles.PUBLIC_KEYS);
                try (Stream<Path> s = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
                    files = s.filter(p -> p.toString().endsWith(".pub")).toList();
                }
            }
            for (Path f : files) {
                try {
                    PublicKey k = AuditKeys.readPublicKey(f);
                    keys.put(AuditKeys.publicKeyId(k), k);
                } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--public-key: " + f + " is not an Ed25519 public key (PEM): "
                            + e.getMessage());
                }
            }
            return keys;
        }

        private Map<String, byte[]> hmacKeys(Path journal) {
            Path file = hmacKey.orElse(journal.toAbsolutePath().getParent().resolve(AuditKeys.DIR).resolve(AuditKeys.HMAC_FILE));
            if (hmacKey.isEmpty() && !Files.exists(file)) {
                return Map.of();
            }
            try {
                byte[] k = AuditKeys.readHmacKey(file);
                return Map.of(AuditKeys.hmacKeyId(k), k);
            } catch (IOException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--hmac-key: cannot read " + file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "search", description = "Print matching audit entries as JSON Lines (the newest LIMIT, oldest first).")
    static final class Search implements Callable<Integer> {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
        Path config;

        @Option(names = "--principal", paramLabel = "NAME") Optional<String> principal;
        @Option(names = "--tool", paramLabel = "NAME", description = "tool or prompt name, resource URI or path") Optional<String> tool;
        @Option(names = "--decision", paramLabel = "allow|deny|error") Optional<String> decision;
        @Option(names = "--from", paramLabel = "TIME", description = "RFC 3339, inclusive") Optional<String> from;
        @Option(names = "--to", paramLabel = "TIME", description = "RFC 3339, exclusive") Optional<String> to;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "" + AuditIndex.DEFAULT_LIMIT) int limit;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            AuditIndex.Query q;
            try {
                q = new AuditIndex.Query(principal, tool, decision, from.map(Instant::parse), to.map(Instant::parse), limit);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            GatewayConfig c = ConfigLoader.load(config);
            try (Database db = Database.openIndex(c.dataDir())) {
                dev.waygate.audit.IndexRebuild.catchUpIfIdle(c.dataDir(), db);
                new AuditIndex(db, c.dataDir().resolve(Audit.JOURNAL_DIR)).search(q).forEach(System.out::println);
            } catch (Database.DamagedIndexException | dev.waygate.audit.IndexMismatchException e) {
                System.err.println("waygate: " + e.getMessage());
                return Main.FAILURE;
            }
            return Main.OK;
        }
    }

    @Command(name = "reindex", description = {
            "Rebuild the search index (<data_dir>/audit-index.db) from the journal files, printing progress.",
            "The journal is the record and the index is derived from it; a gateway also indexes what the index lacks "
                    + "when it starts (a lost index file is rebuilt then). Runs beside a running gateway too."})
    static final class Reindex implements Callable<Integer> {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "waygate.yaml")
        Path config;

        @Override
        public Integer call() throws IOException {
            GatewayConfig c = ConfigLoader.load(config);
            long start = System.nanoTime();
            long[] files = {0};
            long entries;
            try {
                entries = dev.waygate.audit.IndexRebuild.reindex(c.dataDir(), (file, inFile, total, fileDone) -> {
                    if (fileDone) {
                        files[0]++;
                        System.out.printf("%s: %,d entries (%,d in all)%n", file, inFile, total);
                    }
                });
            } catch (java.nio.file.NoSuchFileException e) {
                System.err.println("waygate: no audit journal in " + c.dataDir() + " (" + e.getFile() + ")");
                return Main.FAILURE;
            } catch (Database.DamagedIndexException e) {
                System.err.println("waygate: " + e.getMessage());
                return Main.FAILURE;
            }
            System.out.printf("reindexed:   %,d entries from %d journal files into %s in %.2f s%n", entries, files[0],
                    c.dataDir().resolve(Database.INDEX_FILE), (System.nanoTime() - start) / 1e9);
            return Main.OK;
        }
    }
}
