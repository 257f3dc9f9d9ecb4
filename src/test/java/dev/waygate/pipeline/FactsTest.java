package dev.waygate.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.waygate.mcp.Json;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FactsTest {
    private static final Fact<String> A = Fact.of("a", String.class);
    private static final Fact<Integer> B = Fact.of("b", Integer.class);
    private static final Fact<String> SAME_NAME_AS_A = Fact.of("a", String.class);

    private static Call call() {
        return new Call(CallKind.TOOL, "t", Json.object(), Optional.empty(), null, Optional.empty());
    }

    @Test
    void aFactAddedIsReadBackAndEarlierCallsKeepTheirs() {
        Call empty = call();
        Call one = empty.with(A, "x");
        Call two = one.with(B, 7);
        Call replaced = two.with(A, "y");
        assertThat(empty.fact(A)).isEmpty();
        assertThat(one.fact(A)).contains("x");
        assertThat(one.fact(B)).isEmpty();
        assertThat(two.fact(A)).contains("x");
        assertThat(two.fact(B)).contains(7);
        assertThat(replaced.fact(A)).contains("y");
        assertThat(replaced.facts()).hasSize(2);
        assertThat(two.fact(A)).contains("x");
    }

    @Test
    void factsAreKeyedByIdentityNotName() {
        Call c = call().with(A, "x");
        assertThat(c.fact(SAME_NAME_AS_A)).isEmpty();
        assertThat(c.with(SAME_NAME_AS_A, "z").facts()).hasSize(2);
    }

    @Test
    void behavesAsAnImmutableMap() {
        Map<Fact<?>, Object> plain = new HashMap<>();
        plain.put(A, "x");
        plain.put(B, 7);
        Call fromMap = new Call(CallKind.TOOL, "t", Json.object(), Optional.empty(), null, Optional.empty(), plain);
        Call built = call().with(B, 7).with(A, "x");
        assertThat(fromMap.facts()).isEqualTo(plain).isEqualTo(built.facts());
        assertThat(built.facts().hashCode()).isEqualTo(plain.hashCode());
        assertThat(fromMap).isEqualTo(built);
        plain.put(A, "changed");
        assertThat(fromMap.fact(A)).contains("x");
        assertThatThrownBy(() -> built.facts().put(A, "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> call().with(A, null)).isInstanceOf(NullPointerException.class);
    }
}
