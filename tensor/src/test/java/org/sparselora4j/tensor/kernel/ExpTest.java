package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ExpTest {
    static java.util.stream.IntStream sizes() {
        return KernelFixtures.sizes();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void simdMatchesScalarTwinBitForBit(int n) {
        SplittableRandom random = new SplittableRandom(n);
        float[] x = KernelFixtures.uniform(random, n + 3, 90f);
        float[] out = new float[n + 5];
        Exp.exp(x, 3, out, 2, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(out[2 + i])).as("x = %s", x[3 + i]).isEqualTo(Float.floatToRawIntBits(Exp.expScalar(x[3 + i])));
        }
        assertThat(out[0]).isZero();
        assertThat(out[n + 2]).isZero();
    }

    @Test
    void withinTwoTenMillionthsOfMathExpOverTheNormalRange() {
        int n = 1_000_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / (n - 1);
        float[] out = new float[n];
        Exp.exp(x, 0, out, 0, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double ref = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(out[i] - ref) / ref);
        }
        assertThat(worst).isLessThan(2e-7);
    }

    @Test
    void edgesFollowMathExp() {
        assertThat(Exp.expScalar(0f)).isEqualTo(1f);
        assertThat(Exp.expScalar(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(Exp.expScalar(-200f)).isZero();
        assertThat(Exp.expScalar(Float.POSITIVE_INFINITY)).isInfinite();
        assertThat(Exp.expScalar(88.8f)).isInfinite();
        assertThat(Exp.expScalar(88.7f)).isCloseTo((float) Math.exp(88.7f), org.assertj.core.api.Assertions.withinPercentage(1e-4));
        assertThat(Exp.expScalar(Float.NaN)).isNaN();
        // Subnormal results are rounded once, not flushed to zero.
        assertThat(Exp.expScalar(-100f)).isCloseTo((float) Math.exp(-100f), org.assertj.core.api.Assertions.withinPercentage(1));
        float[] special = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -200f, -100f, 88.8f, 0f};
        float[] lanes = new float[KernelFixtures.LANES * 2];
        for (int i = 0; i < lanes.length; i++) lanes[i] = special[i % special.length];
        float[] out = new float[lanes.length];
        Exp.exp(lanes, 0, out, 0, lanes.length);
        for (int i = 0; i < lanes.length; i++) {
            assertThat(Float.floatToRawIntBits(out[i])).as("x = %s", lanes[i]).isEqualTo(Float.floatToRawIntBits(Exp.expScalar(lanes[i])));
        }
    }
}
