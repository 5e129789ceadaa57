package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Test helpers: random matrices placed inside larger arrays (views with offsets) and float comparisons. */
final class Matrices {
    private Matrices() {
    }

    /** A random (rows, cols) view that starts a few rows into a larger tensor, so its offset is not 0. */
    static Tensor view(SplittableRandom random, int rows, int cols) {
        int before = 1 + random.nextInt(3);
        Tensor big = Tensor.randn(random, 1f, rows + before + 2, cols);
        return big.rows(before, before + rows);
    }

    /** A (rows, cols) view filled with a marker value, so tests can check nothing outside it was written. */
    static Tensor outputView(int rows, int cols, float fill) {
        Tensor big = Tensor.zeros(rows + 3, cols).fill(fill);
        return big.rows(2, 2 + rows);
    }

    /** Asserts equal shapes and elements within 1e-4·sqrt(k) relative to the largest reference value. */
    static void assertClose(Tensor actual, Tensor expected, int k) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float[] a = actual.toArray(), e = expected.toArray();
        float scale = 1f;
        for (float v : e) scale = Math.max(scale, Math.abs(v));
        float tolerance = (float) (1e-4 * Math.sqrt(Math.max(1, k)) * scale);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("element %d of %s", i, actual.shape()).isCloseTo(e[i], within(tolerance));
        }
    }

    /** Asserts that the whole backing array outside the view [offset, offset+size) still holds {@code fill}. */
    static void assertUntouchedOutside(Tensor view, float fill) {
        float[] d = view.data();
        for (int i = 0; i < d.length; i++) {
            if (i < view.offset() || i >= view.offset() + view.size()) {
                assertThat(d[i]).as("array position %d outside the output view", i).isEqualTo(fill);
            }
        }
    }
}
