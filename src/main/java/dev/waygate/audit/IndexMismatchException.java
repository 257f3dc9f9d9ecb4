package dev.waygate.audit;

/**
 * The audit search index and the journal disagree: a file holds something else where an indexed
 * entry should be (the journal was replaced or edited after the entry was indexed). The message
 * names the file and what to run; a search fails rather than return another entry's line.
 */
public final class IndexMismatchException extends IllegalStateException {
    IndexMismatchException(String message) {
        super(message);
    }
}
