package dev.waygate.pipeline;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The facts of a {@link Call}: an immutable map of a few entries in two arrays, looked up by the
 * key's identity (a {@link Fact} is its own identity). A call gathers two or three on its way
 * through the pipeline; a hash map and its immutable copy per added fact were about 3% of what a
 * call allocated. Nulls are refused, as {@link Map#copyOf} refuses them.
 */
final class Facts extends AbstractMap<Fact<?>, Object> {
    static final Facts EMPTY = new Facts(new Fact<?>[0], new Object[0]);

    private final Fact<?>[] keys;
    private final Object[] values;

    private Facts(Fact<?>[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    static Facts copyOf(Map<Fact<?>, Object> map) {
        if (map instanceof Facts f) {
            return f;
        }
        Facts out = EMPTY;
        for (Map.Entry<Fact<?>, Object> e : map.entrySet()) {
            out = out.plus(e.getKey(), e.getValue());
        }
        return out;
    }

    /** These facts with {@code key} set to {@code value} (replacing what it had). */
    Facts plus(Fact<?> key, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int i = indexOf(key);
        if (i >= 0) {
            Object[] v = values.clone();
            v[i] = value;
            return new Facts(keys, v);
        }
        Fact<?>[] k = Arrays.copyOf(keys, keys.length + 1);
        Object[] v = Arrays.copyOf(values, values.length + 1);
        k[keys.length] = key;
        v[values.length] = value;
        return new Facts(k, v);
    }

    private int indexOf(Object key) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == key) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Object get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public Set<Entry<Fact<?>, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<Fact<?>, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Entry<Fact<?>, Object> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(keys[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }
}
