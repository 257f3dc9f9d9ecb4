package dev.waygate.audit;

import java.util.Optional;

/**
 * What {@link Verifier} found.
 *
 * @param damage       empty when the journal is intact
 * @param location     {@code file:line} of the first bad entry (or checkpoint); empty when intact
 * @param detail       what exactly is wrong, in words
 * @param files        journal files read
 * @param entries      entries verified
 * @param firstSeq     sequence number of the first entry (1 unless old files were removed by retention)
 * @param lastSeq      sequence number of the last verified entry
 * @param firstTime    time of the first entry
 * @param lastTime     time of the last verified entry
 * @param lastCheckpoint the last checkpoint verified, if any
 * @param tornTail     where a partial last line (a write cut by a crash) is, if any; not damage
 * @param unmacked     entries whose MAC could not be checked (no HMAC key for their key id)
 * @param anchor       when the journal does not start at entry 1 (older files removed by retention): the
 *                     signed checkpoint of the entry before its first, which the chain continues from
 * @param lastCheckpointAt where the entry the last checkpoint signs was found ({@code file:line}), or the
 *                     file it names when that file is gone (the anchor); not the file name the checkpoint
 *                     itself states, which older versions could get wrong after a crash
 * @param emptyFiles   journal files without a byte (a rotation that a crash or a full disk cut short)
 */
public record VerifyReport(Optional<Damage> damage, String location, String detail, int files, long entries,
                           long firstSeq, long lastSeq, String firstTime, String lastTime,
                           Optional<Checkpoint> lastCheckpoint, Optional<String> tornTail, long unmacked,
                           Optional<Checkpoint> anchor, String lastCheckpointAt, int emptyFiles) {

    /** The kinds of damage, named as the report prints them. */
    public enum Damage {
        MODIFIED, INSERTED, DELETED, REORDERED, TRUNCATED, MISSING_FILE, BAD_SIGNATURE;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    public boolean intact() {
        return damage.isEmpty();
    }
}
