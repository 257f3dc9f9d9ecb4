package dev.waygate.audit;

import dev.waygate.audit.VerifyReport.Damage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a journal directory, streaming (constant memory). For each entry, in this order:
 * <ol>
 *   <li>it is a well-formed sealed line (else: a partial last line is a torn tail, anything else is modified);</li>
 *   <li>its MAC, when the HMAC key of its key id is at hand (else: modified, or inserted when the next
 *       entry chains past it);</li>
 *   <li>its sequence number and {@code prev} continue the chain (else: deleted, reordered, inserted,
 *       missing file or modified — see {@link #chainBreak});</li>
 *   <li>every checkpoint up to its sequence number has a valid signature (else: bad signature) and, at
 *       its sequence number, names its hash (else: modified).</li>
 * </ol>
 * At the end, a checkpoint beyond the last entry means entries were cut off (truncated) or a
 * file it names is gone (missing file). The first damage found is reported; checking stops there.
 */
public final class Verifier {
    private final Path dir;
    private final Map<String, byte[]> hmacKeys;
    private final Map<String, PublicKey> publicKeys;
    private java.util.OptionalInt retentionDays = java.util.OptionalInt.empty();

    /**
     * @param hmacKeys   HMAC keys by key id; entries sealed by other keys are checked by hash only
     * @param publicKeys checkpoint signing keys by key id; a checkpoint by another key is a bad signature
     */
    public Verifier(Path dir, Map<String, byte[]> hmacKeys, Map<String, PublicKey> publicKeys) {
        this.dir = dir;
        this.hmacKeys = Map.copyOf(hmacKeys);
        this.publicKeys = Map.copyOf(publicKeys);
    }

    /**
     * The retention period the journal was written with. Without it, a journal that starts after
     * entry 1 at a signed checkpoint is accepted as retention left it (the summary says so); with it,
     * only when every removed file is of a day retention would have removed by the newest file's day
     * (before {@code newest - days}), so that removing the oldest files by hand within the period is a
     * missing file. 0: nothing may be missing.
     */
    public Verifier retentionDays(int days) {
        this.retentionDays = java.util.OptionalInt.of(days);
        return this;
    }

    /** Stops verification at the first damage. */
    private static final class Found extends Exception {
        final Damage damage;
        final String location;

        Found(Damage damage, String location, String detail) {
            super(detail, null, false, false);
            this.damage = damage;
            this.location = location;
        }
    }

    // state of the walk
    private long expectedSeq = 1;
    private String head = Hex.ZERO_HASH;
    private String headBefore;
    private JournalReader.Line last;
    private long entries;
    private long firstSeq = -1;
    private String firstTime = "";
    private String lastTime = "";
    private long unmacked;
    private Optional<String> torn = Optional.empty();
    private Checkpoint lastCheckpoint;
    private JournalReader.Line pendingCpLine;
    private long lastCpSeq = -1;
    /** The checkpoint right before the first entry, when the journal does not start at entry 1. */
    private Checkpoint anchor;
    /** Where the entry the last checkpoint signs is (file:line), as found: what the summary prints. */
    private String lastCheckpointAt = "";

    public VerifyReport verify() throws IOException {
        List<String> files = JournalFiles.list(dir).stream().map(JournalFiles.Name::file).toList();
        Path cpFile = dir.resolve(JournalFiles.CHECKPOINTS);
        List<String> cpFiles = Files.exists(cpFile) ? List.of(JournalFiles.CHECKPOINTS) : List.of();
        Damage damage = null;
        String location = "";
        String detail = "";
        try (JournalReader journal = new JournalReader(dir, files); JournalReader cps = new JournalReader(dir, cpFiles)) {
            if (!files.isEmpty() && cpFiles.isEmpty()) {
                throw new Found(Damage.MISSING_FILE, JournalFiles.CHECKPOINTS, "the checkpoint file is missing");
            }
            walk(journal, cps);
            finish(cps, files);
            checkRetention(files);
        } catch (Found f) {
            damage = f.damage;
            location = f.location;
            detail = f.getMessage();
        }
        return new VerifyReport(Optional.ofNullable(damage), location, detail, files.size(), entries,
                Math.max(firstSeq, 0), expectedSeq - 1, firstTime, lastTime, Optional.ofNullable(lastCheckpoint), torn, unmacked,
                Optional.ofNullable(anchor), lastCheckpointAt, emptyFiles(files));
    }

    private void walk(JournalReader journal, JournalReader cps) throws IOException, Found {
        Mac mac;
        MessageDigest sha;
        try {
            mac = Mac.getInstance("HmacSHA256");
            sha = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(512);
        String macKeyId = null;
        JournalReader.Line x;
        while ((x = journal.next()) != null) {
            Optional<EntryLine> parsed = EntryLine.parse(x.bytes(), x.bytes().length, body);
            if (!x.terminated() && x.lastOfAll()) {
                torn = Optional.of(x.location() + " (" + x.bytes().length + " bytes)");
                return;
            }
            if (parsed.isEmpty()) {
                throw new Found(Damage.MODIFIED, x.location(), "not a well-formed journal entry");
            }
            EntryLine e = parsed.get();
            if (entries == 0) {
                anchor(x, e, cps);
            }
            byte[] key = hmacKeys.get(e.keyId());
            if (key == null) {
                unmacked++;
            } else {
                if (!e.keyId().equals(macKeyId)) {
                    initMac(mac, key);
                    macKeyId = e.keyId();
                }
                if (!Hex.of(mac.doFinal(body.toByteArray())).equals(e.mac())) {
                    Optional<EntryLine> n = peek(journal);
                    if (n.isPresent() && n.get().prev().equals(head) && n.get().seq() == expectedSeq) {
                        throw new Found(Damage.INSERTED, x.location(), "entry not sealed by key " + e.keyId()
                                + " (MAC mismatch) and the next entry chains past it");
                    }
                    throw new Found(Damage.MODIFIED, x.location(), "MAC mismatch: the entry was changed after it was written");
                }
            }
            if (e.seq() != expectedSeq || !e.prev().equals(head)) {
                chainBreak(x, e, journal);
            }
            String hash = Hex.of(sha.digest(x.bytes()));
            headBefore = head;
            head = hash;
            last = x;
            expectedSeq = e.seq() + 1;
            entries++;
            if (firstSeq < 0) {
                firstSeq = e.seq();
                firstTime = e.time();
            }
            lastTime = e.time();
            checkpointsUpTo(cps, e.seq(), hash, x);
        }
    }

    /** The first entry: seq 1 after the zero hash, or anchored by a checkpoint right before it (older files removed by retention). */
    private void anchor(JournalReader.Line x, EntryLine e, JournalReader cps) throws IOException, Found {
        if (e.seq() == 1) {
            return;
        }
        Checkpoint cp;
        while ((cp = nextCheckpoint(cps, e.seq() - 1)) != null && cp.seq() < e.seq() - 1) {
            // checkpoints of removed files
        }
        if (cp != null && cp.seq() == e.seq() - 1) {
            expectedSeq = e.seq();
            head = cp.head();
            anchor = cp;
            lastCheckpointAt = cp.file();
            return;
        }
        throw new Found(Damage.MISSING_FILE, x.location(), "the journal starts at entry " + e.seq()
                + " and no checkpoint anchors it: entries 1.." + (e.seq() - 1) + " (earlier files) are missing");
    }

    /**
     * The entry does not continue the chain. Which damage it is follows from where it points:
     * <ul>
     *   <li>right position, wrong predecessor: the line before it is not the one it was chained to (modified);</li>
     *   <li>the position of the line before it, chained to that line's predecessor: the line before is a forgery (inserted);</li>
     *   <li>ahead, and the next line is the missing one: two lines swapped (reordered);</li>
     *   <li>ahead, at the start of a file: a whole file is gone (missing file); elsewhere: lines removed (deleted);</li>
     *   <li>behind: a replayed copy of an earlier entry (inserted).</li>
     * </ul>
     */
    private void chainBreak(JournalReader.Line x, EntryLine e, JournalReader journal) throws IOException, Found {
        if (e.seq() == expectedSeq) {
            JournalReader.Line at = last == null ? x : last;
            throw new Found(Damage.MODIFIED, at.location(), last == null ? "the first entry does not start the chain"
                    : "its hash does not match the prev of the entry after it (" + x.location() + ")");
        }
        if (e.seq() == expectedSeq - 1 && headBefore != null && e.prev().equals(headBefore)) {
            throw new Found(Damage.INSERTED, last.location(), "an entry not in the chain: " + x.location()
                    + " holds its sequence number " + e.seq() + " and chains past it");
        }
        if (e.seq() > expectedSeq) {
            Optional<EntryLine> n = peek(journal);
            if (n.isPresent() && n.get().seq() == expectedSeq && n.get().prev().equals(head)) {
                throw new Found(Damage.REORDERED, x.location(), "entry " + e.seq() + " comes before entry " + expectedSeq);
            }
            String missing = "entries " + expectedSeq + ".." + (e.seq() - 1) + " are missing";
            if (x.number() == 1 && last != null && !last.file().equals(x.file())) {
                throw new Found(Damage.MISSING_FILE, x.location(), missing + ": a file between " + last.file()
                        + " and " + x.file() + " was removed");
            }
            throw new Found(Damage.DELETED, x.location(), missing + " before this line");
        }
        throw new Found(Damage.INSERTED, x.location(), "entry " + e.seq() + " appears again (expected " + expectedSeq + ")");
    }

    private static Optional<EntryLine> peek(JournalReader journal) throws IOException {
        JournalReader.Line n = journal.peek();
        return n == null ? Optional.empty() : EntryLine.parse(n.bytes(), n.bytes().length, new ByteArrayOutputStream());
    }

    /** Consumes the checkpoints up to {@code seq}, checking signatures, and the head at {@code seq}. */
    private void checkpointsUpTo(JournalReader cps, long seq, String hash, JournalReader.Line x) throws IOException, Found {
        Checkpoint cp;
        while ((cp = nextCheckpoint(cps, seq)) != null) {
            if (cp.seq() == seq && !cp.head().equals(hash)) {
                throw new Found(Damage.MODIFIED, x.location(), "entry " + seq + " does not match the signed checkpoint at "
                        + JournalFiles.CHECKPOINTS + ":" + pendingCpLineNumber);
            }
            if (cp.seq() == seq) {
                lastCheckpointAt = x.location();
            }
        }
    }

    private long pendingCpLineNumber;

    /** The next checkpoint with seq ≤ limit, verified; null when the next one is beyond the limit or none is left. */
    private Checkpoint nextCheckpoint(JournalReader cps, long limit) throws IOException, Found {
        JournalReader.Line l = cps.peek();
        if (l == null) {
            return null;
        }
        if (!l.terminated() && l.lastOfAll()) {
            cps.next();
            return null;   // a checkpoint cut by a crash
        }
        Checkpoint cp = Checkpoint.parse(l.bytes(), l.bytes().length)
                .orElseThrow(() -> new Found(Damage.BAD_SIGNATURE, l.location(), "not a well-formed checkpoint"));
        if (cp.seq() > limit) {
            return null;
        }
        cps.next();
        PublicKey key = publicKeys.get(cp.keyId());
        if (key == null) {
            throw new Found(Damage.BAD_SIGNATURE, l.location(), "signed by key " + cp.keyId() + ", which is not a trusted public key");
        }
        if (!cp.verify(key)) {
            throw new Found(Damage.BAD_SIGNATURE, l.location(), "the signature does not verify with key " + cp.keyId());
        }
        if (cp.seq() < lastCpSeq) {
            throw new Found(Damage.REORDERED, l.location(), "checkpoint of entry " + cp.seq() + " after one of entry " + lastCpSeq);
        }
        if (cp.seq() == 0 && !cp.head().equals(Hex.ZERO_HASH)) {
            throw new Found(Damage.MODIFIED, l.location(), "checkpoint of an empty journal with a non-zero head");
        }
        lastCpSeq = cp.seq();
        lastCheckpoint = cp;
        pendingCpLineNumber = l.number();
        return cp;
    }

    /** Checkpoints beyond the last entry: the journal lost entries it had signed. */
    private void finish(JournalReader cps, List<String> files) throws IOException, Found {
        if (entries == 0 && torn.isEmpty() && !files.isEmpty() && anchoredEmpty(cps, files)) {
            return;
        }
        long lastSeq = expectedSeq - 1;
        Checkpoint cp;
        while ((cp = nextCheckpoint(cps, Long.MAX_VALUE)) != null) {
            if (cp.seq() > lastSeq) {
                String where = JournalFiles.CHECKPOINTS + ":" + pendingCpLineNumber;
                if (!cp.file().isEmpty() && !files.contains(cp.file())) {
                    throw new Found(Damage.MISSING_FILE, cp.file(), "the checkpoint at " + where + " signs entry " + cp.seq()
                            + " in " + cp.file() + ", which is missing");
                }
                String loc = last == null ? (files.isEmpty() ? cp.file() : files.getFirst() + ":1")
                        : last.file() + ":" + (last.number() + 1);
                throw new Found(Damage.TRUNCATED, loc, "the journal ends at entry " + lastSeq + " but the checkpoint at "
                        + where + " signs entry " + cp.seq() + ": entries " + (lastSeq + 1) + ".." + cp.seq() + " were cut off");
            }
        }
    }

    /**
     * Files, all empty, after a checkpoint that names a file no longer there: retention removed every
     * file with entries and the file made for the next entry has none yet (a crash or a full disk came
     * first). The last checkpoint anchors the (empty) journal. A checkpoint naming a file that is
     * present, but empty, is not this: its entries were cut off.
     */
    private boolean anchoredEmpty(JournalReader cps, List<String> files) throws IOException, Found {
        JournalReader.Line l = cps.peek();
        if (l == null) {
            return false;
        }
        Checkpoint cp;
        Checkpoint lastCp = null;
        while ((cp = nextCheckpoint(cps, Long.MAX_VALUE)) != null) {
            lastCp = cp;
        }
        if (lastCp == null || lastCp.seq() == 0) {
            return lastCp != null;
        }
        if (files.contains(lastCp.file())) {
            throw new Found(Damage.TRUNCATED, lastCp.file() + ":1", "the checkpoint at " + JournalFiles.CHECKPOINTS + ":"
                    + pendingCpLineNumber + " signs entry " + lastCp.seq() + " in " + lastCp.file() + ", which has no entries");
        }
        anchor = lastCp;
        lastCheckpointAt = lastCp.file();
        expectedSeq = lastCp.seq() + 1;
        firstSeq = lastCp.seq() + 1;
        return true;
    }

    private void checkRetention(List<String> files) throws Found {
        if (anchor == null || retentionDays.isEmpty() || files.isEmpty()) {
            return;
        }
        String first = files.getFirst() + ":1";
        String gone = "the journal starts after entry " + anchor.seq() + " (files through " + anchor.file() + " are gone)";
        if (retentionDays.getAsInt() == 0) {
            throw new Found(Damage.MISSING_FILE, first, gone + ", but no retention period was given");
        }
        java.time.LocalDate newest = JournalFiles.parse(files.getLast()).orElseThrow().day();
        java.time.LocalDate cutoff = newest.minusDays(retentionDays.getAsInt());
        java.util.Optional<java.time.LocalDate> removedDay = JournalFiles.parse(anchor.file()).map(JournalFiles.Name::day);
        if (removedDay.isEmpty() || !removedDay.get().isBefore(cutoff)) {
            throw new Found(Damage.MISSING_FILE, first, gone + ", but a retention of " + retentionDays.getAsInt()
                    + " days removes only files of days before " + cutoff);
        }
    }

    private int emptyFiles(List<String> files) {
        int n = 0;
        for (String f : files) {
            try {
                n += Files.size(dir.resolve(f)) == 0 ? 1 : 0;
            } catch (IOException e) {
                // counted as not empty: the walk reported it if it could not be read
            }
        }
        return n;
    }

    private static void initMac(Mac mac, byte[] key) {
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
