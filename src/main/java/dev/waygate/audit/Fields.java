package dev.waygate.audit;

/**
 * The field names of journal entries and checkpoints, in the order they are written. The order is
 * part of the format: the MAC and the chain hash cover the exact bytes.
 */
public final class Fields {
    /** Format version of an entry or checkpoint line. */
    public static final String V = "v";
    public static final String SEQ = "seq";
    public static final String TIME = "time";
    public static final String INSTANCE = "instance";
    /** Entries: the HMAC key id. Checkpoints: the Ed25519 signing key id. */
    public static final String KEY_ID = "key_id";
    /** SHA-256 (hex) of the previous entry's line; 64 zeros for the first entry. */
    public static final String PREV = "prev";
    public static final String CORRELATION_ID = "correlation_id";
    public static final String PRINCIPAL = "principal";
    public static final String ACTION = "action";
    public static final String TARGET = "target";
    public static final String DECISION = "decision";
    public static final String REASON = "reason";
    public static final String DURATION_MS = "duration_ms";
    public static final String UPSTREAM_STATUS = "upstream_status";
    public static final String ARGS = "args";
    /** HMAC-SHA256 (hex) over the line without this field; always last. */
    public static final String MAC = "mac";

    /** Checkpoints: the hash of the entry at {@link #SEQ}. */
    public static final String HEAD = "head";
    /** Checkpoints: the journal file holding the entry at {@link #SEQ}. */
    public static final String FILE = "file";
    /** Checkpoints: Ed25519 signature (hex) over the line without this field; always last. */
    public static final String SIG = "sig";

    public static final int FORMAT_VERSION = 1;

    private Fields() {}
}
