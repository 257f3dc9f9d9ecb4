package dev.waygate.audit;

import java.io.ByteArrayOutputStream;

/** A byte array output stream whose bytes can be read in place (no copy per entry or batch on the audit path). */
final class Buf extends ByteArrayOutputStream {
    Buf(int size) {
        super(size);
    }

    /** The backing array: valid from 0 to {@link #size()}, until the next write. */
    byte[] array() {
        return buf;
    }
}
