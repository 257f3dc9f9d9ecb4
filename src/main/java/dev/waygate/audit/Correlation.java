package dev.waygate.audit;

import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * The correlation id of the request being served: bound for the duration of the request (a scoped
 * value, so it follows the request and nothing else), put in the logs' MDC, the audit entry, the
 * response header and the requests to remote upstreams. A well-formed incoming
 * {@code X-Correlation-Id} is kept so a caller can follow its own id through; anything else is
 * replaced, so a client cannot inject text into logs through it.
 */
public final class Correlation {
    public static final String REQUEST_HEADER = "X-Correlation-Id";
    public static final String RESPONSE_HEADER = "X-Waygate-Correlation-Id";
    public static final String MDC_KEY = "correlation_id";
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{8,64}");
    private static final ScopedValue<String> ID = ScopedValue.newInstance();

    private Correlation() {}

    public static Optional<String> current() {
        return ID.isBound() ? Optional.of(ID.get()) : Optional.empty();
    }

    /**
     * 96 random bits. An id names a request; it is no credential, so a fast generator will do
     * (SecureRandom's native source is one lock and a file read per call, on every request).
     */
    public static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] b = new byte[12];
        long hi = r.nextLong();
        int lo = r.nextInt();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (8 * i));
        }
        for (int i = 0; i < 4; i++) {
            b[8 + i] = (byte) (lo >>> (8 * i));
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The incoming id if well formed, else a new one. */
    public static String fromHeader(String header) {
        return header != null && WELL_FORMED.matcher(header).matches() ? header : generate();
    }

    /** Runs {@code work} with {@code id} bound (and in the MDC). */
    public static <T> T with(String id, Supplier<T> work) {
        return ScopedValue.where(ID, id).call(() -> {
            String before = MDC.get(MDC_KEY);
            MDC.put(MDC_KEY, id);
            try {
                return work.get();
            } finally {
                if (before == null) {
                    MDC.remove(MDC_KEY);
                } else {
                    MDC.put(MDC_KEY, before);
                }
            }
        });
    }

    public static void run(String id, Runnable work) {
        with(id, () -> {
            work.run();
            return null;
        });
    }
}
