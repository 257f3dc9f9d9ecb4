package dev.waygate.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * Finds where the journal ends when it is opened: the last complete entry (its sequence number and
 * hash) and the last checkpoint. A partial last line is a write cut short by a crash: it was never
 * acknowledged (its batch was not forced), so it is cut off, and reported so that the journal
 * itself records that it happened.
 *
 * @param seq            sequence number of the last entry, 0 if none
 * @param head           hash of the last entry, zeros if none
 * @param headFile       the file holding the last entry ("" if none): not always the newest file, which
 *                       a crash can leave empty right after a rotation created it
 * @param last           the newest journal file, if any
 * @param tornFile       the file whose partial last line was cut, or empty
 * @param tornBytes      how many bytes were cut
 * @param checkpointSeq  sequence number of the last checkpoint, -1 if none
 */
record JournalTail(long seq, String head, String headFile, Optional<JournalFiles.Name> last, String tornFile,
                   long tornBytes, long checkpointSeq) {

    static JournalTail scan(Path dir) throws IOException {
        List<JournalFiles.Name> names = JournalFiles.list(dir);
        long seq = 0;
        String head = Hex.ZERO_HASH;
        String headFile = "";
        String tornFile = "";
        long tornBytes = 0;
        for (int i = names.size() - 1; i >= 0; i--) {
            Path file = dir.resolve(names.get(i).file());
            byte[] all = Files.readAllBytes(file);
            int end = lastNewline(all);
            if (end + 1 < all.length) {
                if (i != names.size() - 1) {
                    throw new IOException(file + " ends in a partial line but is not the newest file: run 'waygate audit verify'");
                }
                tornFile = file.getFileName().toString();
                tornBytes = all.length - (end + 1);
                truncate(file, end + 1);
            }
            if (end < 0) {
                continue;
            }
            int start = lastNewline(java.util.Arrays.copyOf(all, end)) + 1;
            byte[] line = java.util.Arrays.copyOfRange(all, start, end);
            EntryLine e = EntryLine.parse(line, line.length, new ByteArrayOutputStream())
                    .orElseThrow(() -> new IOException("the last entry of " + file + " is not readable: run 'waygate audit verify'"));
            seq = e.seq();
            head = Hex.of(AuditKeys.sha256(line));
            headFile = names.get(i).file();
            break;
        }
        Optional<Checkpoint> cp = lastCheckpoint(dir.resolve(JournalFiles.CHECKPOINTS));
        long checkpointSeq = cp.map(Checkpoint::seq).orElse(-1L);
        if (seq == 0 && checkpointSeq > 0 && !names.isEmpty()) {
            // Retention removed every file with entries, and the file that rotation created for the
            // next entry is still empty (a crash or a full disk came first): the checkpoint written
            // before the removal anchors the chain, as the verifier accepts it.
            seq = checkpointSeq;
            head = cp.get().head();
            headFile = cp.get().file();
        }
        if (checkpointSeq > seq) {
            throw new IOException("the journal ends at entry " + seq + " but a checkpoint covers entry " + checkpointSeq
                    + " (entries are missing): run 'waygate audit verify'");
        }
        return new JournalTail(seq, head, headFile, names.isEmpty() ? Optional.empty() : Optional.of(names.getLast()),
                tornFile, tornBytes, checkpointSeq);
    }

    private static Optional<Checkpoint> lastCheckpoint(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] all = Files.readAllBytes(file);
        int end = lastNewline(all);
        if (end + 1 < all.length) {
            truncate(file, end + 1);
        }
        if (end < 0) {
            return Optional.empty();
        }
        int start = lastNewline(java.util.Arrays.copyOf(all, end)) + 1;
        byte[] line = java.util.Arrays.copyOfRange(all, start, end);
        return Optional.of(Checkpoint.parse(line, line.length)
                .orElseThrow(() -> new IOException("the last checkpoint in " + file + " is not readable: run 'waygate audit verify'")));
    }

    private static int lastNewline(byte[] b) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(size);
            c.force(true);
        }
    }
}
