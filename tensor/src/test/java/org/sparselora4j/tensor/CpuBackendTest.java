package org.sparselora4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class CpuBackendTest {
    @Test
    void packingBackendGivesTheKernelsResultsAndPacksEachWeightOncePerLayout() {
        SplittableRandom random = new SplittableRandom(1);
        Tensor x = Tensor.randn(random, 1f, 64, 48);
        Tensor w = Tensor.randn(random, 1f, 80, 48);
        Tensor dy = Tensor.randn(random, 1f, 64, 80);
        try (Backend packing = Backend.cpuPackingWeights()) {
            CpuBackend cpu = (CpuBackend) packing;
            for (int step = 0; step < 3; step++) {
                assertSame(product(packing, x, w, true), product(Backend.cpu(), x, w, true));
                assertSame(product(packing, dy, w, false), product(Backend.cpu(), dy, w, false));
            }
            long packed = cpu.packedFloats();
            assertThat(packed).isGreaterThanOrEqualTo(2L * w.size());
            product(packing, x.rows(0, 32), w, true);
            assertThat(cpu.packedFloats()).as("a second use of w packs nothing").isEqualTo(packed);
            packing.close();
            assertThat(cpu.packedFloats()).isZero();
        }
    }

    @Test
    void aViewOfTheSameFloatsInAnotherShapeIsNotTakenForThePackedWeight() {
        SplittableRandom random = new SplittableRandom(2);
        Tensor w = Tensor.randn(random, 1f, 60, 40);
        Tensor reshaped = w.reshape(40, 60);
        try (Backend packing = Backend.cpuPackingWeights()) {
            product(packing, Tensor.randn(random, 1f, 32, 40), w, true);
            Tensor x = Tensor.randn(random, 1f, 32, 60);
            assertSame(product(packing, x, reshaped, true), product(Backend.cpu(), x, reshaped, true));
        }
    }

    @Test
    void weightsBeyondTheBudgetAreMultipliedUnpacked() {
        SplittableRandom random = new SplittableRandom(4);
        Tensor w1 = Tensor.randn(random, 1f, 64, 40), w2 = Tensor.randn(random, 1f, 64, 40);
        Tensor x = Tensor.randn(random, 1f, 32, 40);
        CpuBackend backend = new CpuBackend(3000); // room for one packed 40 x 64 (2560 floats with NR = 32 or 16)
        assertSame(product(backend, x, w1, true), product(Backend.cpu(), x, w1, true));
        long one = backend.packedFloats();
        assertThat(one).isPositive().isLessThanOrEqualTo(3000);
        assertSame(product(backend, x, w2, true), product(Backend.cpu(), x, w2, true));
        assertThat(backend.packedFloats()).as("w2 does not fit beside w1").isEqualTo(one);
    }

    @Test
    void productsOfFewRowsKeepNoPackedCopy() {
        SplittableRandom random = new SplittableRandom(5);
        Tensor w = Tensor.randn(random, 1f, 64, 40);
        try (Backend packing = Backend.cpuPackingWeights()) {
            Tensor x = Tensor.randn(random, 1f, 15, 40);
            assertSame(product(packing, x, w, true), product(Backend.cpu(), x, w, true));
            assertThat(((CpuBackend) packing).packedFloats()).isZero();
            product(packing, Tensor.randn(random, 1f, 16, 40), w, true);
            assertThat(((CpuBackend) packing).packedFloats()).isPositive();
        }
    }

    @Test
    void preparePacksBothLayoutsOfEveryWeightAheadOnTheThreads() {
        SplittableRandom random = new SplittableRandom(6);
        java.util.List<Tensor> weights = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) weights.add(Tensor.randn(random, 1f, 64 + 8 * i, 40));
        try (Backend packing = Backend.cpuPackingWeights()) {
            CpuBackend cpu = (CpuBackend) packing;
            new Parallel(2).run(() -> packing.prepare(weights));
            long packed = cpu.packedFloats();
            long floats = 0;
            for (Tensor w : weights) floats += 2L * w.size();
            assertThat(packed).isGreaterThanOrEqualTo(floats);
            Tensor x = Tensor.randn(random, 1f, 32, 40);
            for (Tensor w : weights) {
                assertSame(product(packing, x, w, true), product(Backend.cpu(), x, w, true));
                Tensor dy = Tensor.randn(random, 1f, 32, w.rows());
                assertSame(product(packing, dy, w, false), product(Backend.cpu(), dy, w, false));
            }
            assertThat(cpu.packedFloats()).as("the products pack nothing more").isEqualTo(packed);
        }
    }

    @Test
    void sharedInstanceKeepsNothing() {
        Tensor w = Tensor.randn(new SplittableRandom(3), 1f, 50, 40);
        product(Backend.cpu(), Tensor.zeros(64, 40), w, true);
        assertThat(((CpuBackend) Backend.cpu()).packedFloats()).isZero();
    }

    /** x·wᵀ ({@code forward}) or dy·w on {@code backend}. */
    private static Tensor product(Backend backend, Tensor a, Tensor w, boolean forward) {
        Tensor out = Tensor.zeros(a.rows(), forward ? w.rows() : w.cols());
        if (forward) backend.abT(a, w, out, false);
        else backend.ab(a, w, out, false);
        return out;
    }

    /** The packed and unpacked GEMMs run the same micro-kernel over the same k blocks: the same bits. */
    private static void assertSame(Tensor actual, Tensor expected) {
        assertThat(actual.toArray()).containsExactly(expected.toArray());
    }
}
