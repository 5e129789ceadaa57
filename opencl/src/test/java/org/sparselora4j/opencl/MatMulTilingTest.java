package org.sparselora4j.opencl;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.sparselora4j.opencl.OpenClFixture.assertClose;
import static org.sparselora4j.opencl.OpenClFixture.random;

/**
 * Every tile shape {@link MatMulTiling#forDevice} can pick, plus an odd one, on whatever device is here: so the
 * GPU tiling is checked on PoCL too. Shapes are ragged against every tile.
 */
class MatMulTilingTest {
    static List<MatMulTiling> tilings() {
        return List.of(new MatMulTiling(16, 16, 4, 4, 16), new MatMulTiling(8, 8, 4, 4, 16), new MatMulTiling(4, 4, 8, 8, 32),
                new MatMulTiling(3, 5, 2, 3, 7));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tilings")
    void everyProductMatchesTheScalarTwins(MatMulTiling tiling) {
        OpenCl cl = OpenClFixture.openClOrSkip();
        Device device = cl.select(DeviceSelector.preferred());
        Assumptions.assumeTrue((long) tiling.wgM() * tiling.wgN() <= device.maxWorkGroupSize(),
                () -> "work group " + tiling + " exceeds " + device);
        try (OpenClBackend backend = new OpenClBackend(cl.open(device), tiling)) {
            SplittableRandom random = new SplittableRandom(17);
            int m = 100, k = 257, n = 33;
            for (boolean accumulate : new boolean[] {false, true}) {
                Tensor a = random(random, m, k);
                Tensor bT = random(random, n, k);
                Tensor b = random(random, k, n);
                Tensor aT = random(random, k, m);
                Tensor start = random(random, m, n);
                compare("abT", k, start, accumulate, o -> MatMul.abTScalar(a, bT, o, accumulate), o -> backend.abT(a, bT, o, accumulate));
                compare("ab", k, start, accumulate, o -> MatMul.abScalar(a, b, o, accumulate), o -> backend.ab(a, b, o, accumulate));
                compare("aTb", k, start, accumulate, o -> MatMul.aTbScalar(aT, b, o, accumulate), o -> backend.aTb(aT, b, o, accumulate));

                Tensor w = random(random, 70, k);
                Index rows = Index.of(0, 1, 7, 33, 34, 35, 69);
                Index cols = Index.of(2, 3, 64, 65, 100, 200, 256);
                Tensor rowsStart = random(random, m, rows.size());
                compare("rowsAbT", k, rowsStart, accumulate, o -> GatheredMatMul.rowsAbTScalar(a, w, rows, o, accumulate),
                        o -> backend.rowsAbT(a, w, rows, o, accumulate));
                Tensor dy = random(random, m, rows.size());
                compare("rowsAb", rows.size(), random(random, m, k), accumulate, o -> GatheredMatMul.rowsAbScalar(dy, w, rows, o, accumulate),
                        o -> backend.rowsAb(dy, w, rows, o, accumulate));
                compare("colsAbT", cols.size(), random(random, m, 70), accumulate, o -> GatheredMatMul.colsAbTScalar(a, w, cols, false, o, accumulate),
                        o -> backend.colsAbT(a, w, cols, false, o, accumulate));
                Tensor xk = random(random, m, cols.size());
                compare("colsAbT compact", cols.size(), random(random, m, 70), accumulate,
                        o -> GatheredMatMul.colsAbTScalar(xk, w, cols, true, o, accumulate), o -> backend.colsAbT(xk, w, cols, true, o, accumulate));
                Tensor dy2 = random(random, m, 70);
                compare("colsAb", 70, random(random, m, cols.size()), accumulate, o -> GatheredMatMul.colsAbScalar(dy2, w, cols, o, accumulate),
                        o -> backend.colsAb(dy2, w, cols, o, accumulate));
            }
        }
    }

    private static void compare(String what, int inner, Tensor start, boolean accumulate,
                                Consumer<Tensor> scalar, Consumer<Tensor> device) {
        Tensor expected = start.copy();
        Tensor actual = start.copy();
        scalar.accept(expected);
        device.accept(actual);
        assertClose(actual, expected, inner, what + (accumulate ? " accumulate" : ""));
    }
}
