package dev.waygate.cli;

/**
 * What the command line does before any other class of the gateway is loaded, for a fast start.
 *
 * <p>{@link #tune}: Jetty sizes the padding of its concurrent queues by asking the platform MBean server whether
 * the JVM compresses object references ({@code MemoryUtils}); creating that server registers every
 * platform MXBean (JMX, and JFR's), about a sixth of the CPU time from process start to
 * {@code /ready}. The property below answers the question without it: it assumes 4-byte
 * references, which pads at least a cache line also where references take 8 bytes, so at worst a
 * queue uses a few bytes more. An operator's own value is kept.
 */
final class Startup {
    /**
     * JDK work that {@code serve} needs and that depends on nothing of the gateway's, done on a
     * second thread while the main thread reads the configuration and opens the store: the list of
     * available locales (Jetty's {@code MimeTypes} asks for it; building it parses the CLDR metadata
     * of every locale: a fifth of the main thread's time to {@code /ready} with an AOT cache), the US
     * date formats (Jackson's {@code StdDateFormat}, sqlite-jdbc's {@code FastDateFormat}) and the
     * security providers of SHA-256, HMAC-SHA256 and Ed25519 (configuration digest, audit journal),
     * the time-zone rules and a time format (logback's timestamps), the local host name (the
     * approvals' instance name; the JDK keeps it for a few seconds), and last the tool-poisoning
     * patterns ({@code PoisonScanner}'s RE2J programs, compiled in its static initialiser, which
     * uses RE2J and JDK classes only). Each class is initialised once whichever thread comes first
     * (the other waits for it), and none of these initialisers uses a class of the gateway's that
     * the main thread might be initialising, so the order of the two threads changes nothing but
     * the time; a failure here is ignored (the main thread then does the same work and reports it).
     * The same total CPU time, but off the path to ready on a machine with two or more cores.
     */
    static Thread preload() {
        return Thread.ofPlatform().daemon().name("preload").start(() -> {
            try {
                java.util.Locale.getAvailableLocales();
                new java.text.SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss zzz", java.util.Locale.US).format(new java.util.Date(0));
                java.security.MessageDigest.getInstance("SHA-256");
                javax.crypto.Mac.getInstance("HmacSHA256");
                java.security.KeyFactory.getInstance("Ed25519");
                java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneId.systemDefault())
                        .format(java.time.Instant.EPOCH);
                java.net.InetAddress.getLocalHost();
                Class.forName("dev.waygate.pin.PoisonScanner", true, Startup.class.getClassLoader());
            } catch (java.security.GeneralSecurityException | java.io.IOException | ReflectiveOperationException
                     | RuntimeException | LinkageError e) {
                // the main thread meets the same problem where it matters, and reports it there
            }
        });
    }

    static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    private Startup() {}

    static void tune() {
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
            int cacheLine = Integer.getInteger("org.eclipse.jetty.util.cacheLineBytes", 64);
            System.setProperty(REFERENCES_PER_CACHE_LINE, Integer.toString(Math.max(1, cacheLine / 4)));
        }
    }
}
