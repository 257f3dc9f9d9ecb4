package dev.waygate.guard;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Remembers a judgement that depends on a name alone (an argument name: a tool's schema fixes them,
 * so they repeat from call to call). Bounded: at most {@link #LIMIT} names of at most
 * {@link #MAX_NAME} characters; past that, names are judged every time and not remembered, so a
 * client inventing names cannot grow it.
 */
public final class NameMemo<V> {
    public static final int LIMIT = 4096;
    public static final int MAX_NAME = 128;

    private final ConcurrentHashMap<String, V> known = new ConcurrentHashMap<>();
    private final Function<String, V> judge;

    public NameMemo(Function<String, V> judge) {
        this.judge = judge;
    }

    public V get(String name) {
        V v = known.get(name);
        if (v != null) {
            return v;
        }
        v = judge.apply(name);
        if (name.length() <= MAX_NAME && known.size() < LIMIT) {
            known.put(name, v);
        }
        return v;
    }
}
