package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;

/** Shared test inputs: the sizes that hit every SIMD tail, seeded random arrays, and a finite-difference check. */
final class KernelFixtures {
    static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    private KernelFixtures() {
    }

    /** 1, 7, one short of a vector, one past a vector, and a long run with a tail. */
    static IntStream sizes() {
        return IntStream.of(1, 7, LANES - 1, LANES + 1, 1000).filter(n -> n > 0).distinct();
    }

    /** n uniform values in [-bound, bound). */
    static float[] uniform(SplittableRandom random, int n, float bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        return a;
    }

    /**
     * Every |actual[i] − expected[i]| ≤ abs + rel · |expected[i]|; a failure names the first element that is not,
     * rather than printing both arrays (AssertJ's array comparison is slow and unreadable at 100k elements).
     */
    static void assertClose(float[] actual, float[] expected, double rel, double abs) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            double tolerance = abs + rel * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
                assertThat(actual[i]).as("element %d of %d", i, actual.length).isEqualTo(expected[i]);
            }
        }
    }

    /**
     * Central differences of {@code loss} with respect to params[off, off+n) against {@code analytic}: each
     * element is moved by ±eps (restored after), and |numeric − analytic| must be below 1e-2 of
     * max(|numeric|, |analytic|, floor).
     */
    static void checkGradient(float[] params, int off, int n, DoubleSupplier loss, float[] analytic, float eps, double floor) {
        for (int i = 0; i < n; i++) {
            float saved = params[off + i];
            params[off + i] = saved + eps;
            double plus = loss.getAsDouble();
            params[off + i] = saved - eps;
            double minus = loss.getAsDouble();
            params[off + i] = saved;
            double numeric = (plus - minus) / (2.0 * eps);
            double scale = Math.max(floor, Math.max(Math.abs(numeric), Math.abs(analytic[i])));
            assertThat(Math.abs(numeric - analytic[i]) / scale)
                    .as("element %d: numeric %s, analytic %s", i, numeric, analytic[i])
                    .isLessThan(1e-2);
        }
    }
}
