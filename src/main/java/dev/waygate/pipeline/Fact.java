package dev.waygate.pipeline;

/**
 * A typed key for something a stage established about a call (the policy decision, guard
 * findings) that later stages read. The producing package owns the key; the pipeline stays
 * ignorant of what it carries.
 */
public final class Fact<T> {
    private final String name;
    private final Class<T> type;

    private Fact(String name, Class<T> type) {
        this.name = name;
        this.type = type;
    }

    public static <T> Fact<T> of(String name, Class<T> type) {
        return new Fact<>(name, type);
    }

    T cast(Object o) {
        return type.cast(o);
    }

    @Override
    public String toString() {
        return name;
    }
}
