package dev.waygate.cli;

/**
 * What the command line sets before any other class of the gateway is loaded, for a fast start.
 *
 * <p>Jetty sizes the padding of its concurrent queues by asking the platform MBean server whether
 * the JVM compresses object references ({@code MemoryUtils}); creating that server registers every
 * platform MXBean (JMX, and JFR's), about a sixth of the CPU time from process start to
 * {@code /ready}. The property below answers the question without it: it assumes 4-byte
 * references, which pads at least a cache line also where references take 8 bytes, so at worst a
 * queue uses a few bytes more. An operator's own value is kept.
 */
final class Startup {
    static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    private Startup() {}

    static void tune() {
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
            int cacheLine = Integer.getInteger("org.eclipse.jetty.util.cacheLineBytes", 64);
            System.setProperty(REFERENCES_PER_CACHE_LINE, Integer.toString(Math.max(1, cacheLine / 4)));
        }
    }
}
