package dev.waygate;

/** The gateway's version, from the jar manifest (development builds say so). */
public final class Version {
    public static final String VERSION = java.util.Objects.requireNonNullElse(
            Version.class.getPackage().getImplementationVersion(), "dev");

    private Version() {}
}
