package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Encoding then decoding gives back the values within each type's rounding error. */
class QuantizeTest {
    @ParameterizedTest
    @EnumSource(ElementType.class)
    void roundTripsWithinTheTypesPrecision(ElementType type) {
        Tensor x = Tensor.randn(new SplittableRandom(7), 0.02f, 6, 512);
        Tensor back = Quantize.toType(x, type).toFloat32();
        // Relative RMS error: 2^-9 for bf16, 2^-12 for f16, about 1/(2·levels) of the range for the block types.
        double bound = switch (type) {
            case F32 -> 0;
            case BF16 -> 0.004;
            case F16 -> 0.0005;
            case Q8_0 -> 0.01;
            case Q6_K -> 0.03;
            case Q4_0, Q4_K -> 0.12;
        };
        double err = 0, norm = 0;
        for (int i = 0; i < x.size(); i++) {
            double d = back.data()[i] - x.data()[i];
            err += d * d;
            norm += (double) x.data()[i] * x.data()[i];
        }
        assertThat(Math.sqrt(err / norm)).as(type.name()).isLessThanOrEqualTo(bound);
    }
}
