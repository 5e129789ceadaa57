package org.sparselora4j.sparse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Index;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopKTest {
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 50, 99, 100})
    void equalsAFullSort(int k) {
        SplittableRandom random = new SplittableRandom(k);
        float[] s = new float[100];
        // Few distinct values, so ties are everywhere.
        for (int i = 0; i < s.length; i++) s[i] = random.nextInt(10);
        Index top = TopK.of(s, k);
        int[] expected = IntStream.range(0, s.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
        assertThat(top.values()).containsExactly(expected);
    }

    @Test
    void nanRanksLast() {
        float[] s = {Float.NaN, 1, Float.NaN, -5};
        assertThat(TopK.of(s, 2)).isEqualTo(Index.of(1, 3));
    }

    @Test
    void tooManyIsAnError() {
        assertThatThrownBy(() -> TopK.of(new float[3], 4)).hasMessageContaining("cannot keep 4 of 3");
    }

    @Test
    void doubleAndFloatAgree() {
        double[] d = {0.5, 0.25, 0.75, 0.125};
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        assertThat(TopK.of(d, 2)).isEqualTo(TopK.of(f, 2)).isEqualTo(Index.of(0, 2));
        assertThat(Arrays.toString(TopK.of(d, 0).values())).isEqualTo("[]");
    }
}
