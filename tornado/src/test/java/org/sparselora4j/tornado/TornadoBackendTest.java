package org.sparselora4j.tornado;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparselora4j.tornado.TornadoFixture.assertClose;
import static org.sparselora4j.tornado.TornadoFixture.offsetView;
import static org.sparselora4j.tornado.TornadoFixture.random;

/**
 * Every product of the TornadoVM backend against the Vector API's ({@link Backend#cpu()}) on ragged shapes (not
 * multiples of the 16x16 tile), with and without accumulate, at offsets, and for the gathered ones with empty,
 * single, partial and full index sets. One backend for the class, so that its task graphs are reused (and grown)
 * across shapes, as in training.
 */
class TornadoBackendTest {
    private static TornadoBackend backend;

    @BeforeAll
    static void open() {
        backend = TornadoFixture.backendOrSkip();
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
    }

    /** {m, k, n}: rows of the activation, inner and outer widths; the weights below are shared across shapes of a width. */
    static Stream<int[]> shapes() {
        return Stream.of(new int[] {1, 7, 33}, new int[] {33, 20, 17}, new int[] {7, 33, 1}, new int[] {50, 64, 48}, new int[] {17, 100, 37});
    }

    enum Kept { EMPTY, ONE, HALF, ALL }

    /** Three of the shapes, each with every kind of index set (PoCL on 2 cores takes about 0.5 s per case). */
    static Stream<Arguments> gatheredCases() {
        List<Arguments> args = new ArrayList<>();
        Stream.of(new int[] {1, 7, 33}, new int[] {33, 20, 17}, new int[] {17, 100, 37}).forEach(s -> {
            for (Kept kept : Kept.values()) args.add(Arguments.of(s[0], s[1], s[2], kept));
        });
        return args.stream();
    }

    static Index index(SplittableRandom r, int total, Kept kept) {
        return switch (kept) {
            case EMPTY -> Index.of();
            case ONE -> Index.of(r.nextInt(total));
            case HALF -> Index.sorted(r.ints(Math.max(1, total / 2), 0, total).toArray());
            case ALL -> Index.all(total);
        };
    }

    @FunctionalInterface
    interface Product {
        void run(Backend b, Tensor out, boolean accumulate);
    }

    /** The product on the device and on the CPU, into the same start values, with and without accumulate. */
    private static void check(Product p, Tensor start, int k) {
        for (boolean accumulate : new boolean[] {false, true}) {
            Tensor expected = start.copy();
            p.run(Backend.cpu(), expected, accumulate);
            Tensor actual = start.copy();
            p.run(backend, actual, accumulate);
            assertClose(actual, expected, k);
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void denseProductsMatchTheVectorApi(int[] s) {
        int m = s[0], k = s[1], n = s[2];
        SplittableRandom r = new SplittableRandom(m * 31L + k * 7L + n);
        Tensor a = offsetView(r, m, k);
        Tensor wT = random(r, n, k);      // b of abT: (n, k), a frozen weight
        Tensor w = random(r, k, n);       // b of ab: (k, n)
        Tensor dy = random(r, k, n);      // aTb: a (k, m), b (k, n), both activations
        Tensor aT = random(r, k, m);
        check((b, out, acc) -> b.abT(a, wT, out, acc), random(r, m, n), k);
        check((b, out, acc) -> b.ab(a, w, out, acc), random(r, m, n), k);
        check((b, out, acc) -> b.aTb(aT, dy, out, acc), random(r, m, n), k);
    }

    @ParameterizedTest
    @MethodSource("gatheredCases")
    void gatheredProductsMatchTheVectorApi(int tokens, int in, int outF, Kept kept) {
        SplittableRandom r = new SplittableRandom(tokens * 131L + in * 17L + outF + kept.ordinal());
        Tensor w = random(r, outF, in); // (out, in)
        Tensor x = offsetView(r, tokens, in);
        Index rows = index(r, outF, kept);
        Index cols = index(r, in, kept);
        Tensor dyRows = random(r, tokens, rows.size());
        Tensor dyOut = random(r, tokens, outF);
        Tensor xk = random(r, tokens, cols.size());
        check((b, out, acc) -> b.rowsAbT(x, w, rows, out, acc), random(r, tokens, rows.size()), in);
        check((b, out, acc) -> b.rowsAb(dyRows, w, rows, out, acc), random(r, tokens, in), rows.size());
        check((b, out, acc) -> b.colsAbT(x, w, cols, false, out, acc), random(r, tokens, outF), cols.size());
        check((b, out, acc) -> b.colsAbT(xk, w, cols, true, out, acc), random(r, tokens, outF), cols.size());
        check((b, out, acc) -> b.colsAb(dyOut, w, cols, out, acc), random(r, tokens, cols.size()), outF);
    }

    @Test
    void aWeightIsKeptOnTheDeviceAndServesEveryLayoutInOneGraph() {
        SplittableRandom r = new SplittableRandom(3);
        Tensor w = random(r, 24, 40);
        int before = backend.cachedWeights();
        Tensor x = random(r, 9, 40);
        Tensor y = Tensor.zeros(9, 24);
        backend.abT(x, w, y, false);
        backend.ab(random(r, 9, 24), w, Tensor.zeros(9, 40), false);
        backend.rowsAbT(x, w, Index.of(1, 5, 23), Tensor.zeros(9, 3), false);
        // A larger activation rebuilds the graph with more room; still one kept copy of w.
        backend.abT(random(r, 70, 40), w, Tensor.zeros(70, 24), false);
        assertThat(backend.cachedWeights()).isEqualTo(before + 1);
        Tensor again = Tensor.zeros(9, 24);
        backend.abT(x, w, again, false);
        assertClose(again, y, 40);
    }

    @Test
    void shapeErrorsAreTheKernelsAndAClosedBackendRefusesWork() {
        assertThatThrownBy(() -> backend.abT(Tensor.zeros(2, 3), Tensor.zeros(4, 5), Tensor.zeros(2, 4), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inner dimension");
        TornadoBackend other = TornadoFixture.backendOrSkip();
        other.abT(Tensor.zeros(2, 3), Tensor.zeros(4, 3), Tensor.zeros(2, 4), false);
        other.close();
        other.close();
        assertThatThrownBy(() -> other.abT(Tensor.zeros(2, 3), Tensor.zeros(4, 3), Tensor.zeros(2, 4), false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void itsNameSaysTornadoAndTheDevice() {
        assertThat(backend.name()).startsWith("tornado:").hasSizeGreaterThan("tornado:".length());
    }
}
