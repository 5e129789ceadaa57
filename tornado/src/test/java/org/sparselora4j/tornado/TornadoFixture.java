package org.sparselora4j.tornado;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** A TornadoVM backend on its first device (PoCL here), or a skipped test that prints why; and tensor helpers. */
final class TornadoFixture {
    private TornadoFixture() {
    }

    /**
     * The process environment, with {@value Tornado#HOME} naming the SDK beside the checkout when it is unset (the
     * build gives the tests that SDK's flags, not its variable).
     */
    static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent(Tornado.HOME, System.getProperty("sparselora4j.shared", "../shared") + "/tornadovm/sdk");
        return env;
    }

    static TornadoBackend backendOrSkip() {
        try {
            return (TornadoBackend) Tornado.open(environment(), false);
        } catch (TornadoUnavailableException e) {
            String reason = "skipped: TornadoVM is not usable here: " + e.getMessage();
            System.out.println(reason);
            Assumptions.abort(reason);
            throw e;
        }
    }

    static Tensor random(SplittableRandom r, int rows, int cols) {
        return Tensor.uniform(r, 1f, rows, cols);
    }

    /** A rows x cols view at a non-zero offset into a larger array, so that offsets are honoured. */
    static Tensor offsetView(SplittableRandom r, int rows, int cols) {
        int pad = 5;
        float[] data = new float[pad + rows * cols + 3];
        for (int i = 0; i < data.length; i++) data[i] = (float) (r.nextDouble() * 2 - 1);
        return Tensor.view(data, pad, Shape.of(rows, cols));
    }

    static void assertClose(Tensor actual, Tensor expected, int k) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float tol = 1e-5f * Math.max(1, k);
        for (int i = 0; i < expected.size(); i++) {
            float e = expected.data()[expected.offset() + i];
            float a = actual.data()[actual.offset() + i];
            assertThat(a).as("element %d of %s", i, expected.shape()).isCloseTo(e, org.assertj.core.api.Assertions.within(tol * Math.max(1f, Math.abs(e))));
        }
    }
}
