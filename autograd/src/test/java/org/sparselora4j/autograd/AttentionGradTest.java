package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.sparselora4j.autograd.Fixtures.constant;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

class AttentionGradTest {
    private final SplittableRandom random = new SplittableRandom(3);

    /** Batch 2, time 4, 4 query heads sharing 2 kv heads of size 2; sequence 1 has a padding row at each end. */
    private static final int B = 2, T = 4, NH = 4, NKV = 2, DH = 2;
    private static final boolean[] VALID = {true, true, true, true, false, true, true, false};

    @Test
    void matchesTheDefinition() {
        Var q = param(random, B * T, NH * DH), k = param(random, B * T, NKV * DH), v = param(random, B * T, NKV * DH);
        Tensor out = AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID).value();
        Tensor ref = reference(q.value(), k.value(), v.value());
        float[] o = out.toArray(), r = ref.toArray();
        for (int i = 0; i < o.length; i++) assertThat(o[i]).as("element " + i).isCloseTo(r[i], within(1e-5f));
    }

    @Test
    void gradientsWithPaddingAndGroupedHeads() {
        Var q = param(random, B * T, NH * DH), k = param(random, B * T, NKV * DH), v = param(random, B * T, NKV * DH);
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID), q, k, v);
        // A padding row outputs zeros, and nothing flows into any padding row.
        Tensor out = AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID).value();
        for (int row : new int[] {4, 7}) {
            assertThat(out.row(row).toArray()).containsOnly(0f);
            assertThat(q.grad().row(row).toArray()).containsOnly(0f);
            assertThat(k.grad().row(row).toArray()).containsOnly(0f);
            assertThat(v.grad().row(row).toArray()).containsOnly(0f);
        }
    }

    @Test
    void gradientsWhenTheBackwardRecomputesProbabilities() {
        Var q = param(random, B * T, NH * DH), k = param(random, B * T, NKV * DH), v = param(random, B * T, NKV * DH);
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID, 0, AttentionOps.BLOCK), q, k, v);
    }

    @Test
    void keptAndRecomputedProbabilitiesGiveTheSameGradients() {
        Var q = param(random, B * T, NH * DH), k = param(random, B * T, NKV * DH), v = param(random, B * T, NKV * DH);
        Tensor dy = Tensor.randn(random, 1f, B * T, NH * DH);
        float[][] kept = gradients(AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID), dy, q, k, v);
        float[][] recomputed = gradients(AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID, 0, AttentionOps.BLOCK), dy, q, k, v);
        for (int i = 0; i < 3; i++) assertThat(recomputed[i]).containsExactly(kept[i], within(1e-6f)); // separate products: float rounding
    }

    @Test
    void gradientsWithSeveralBlocksKeptAndRecomputed() {
        Var q = param(random, B * T, NH * DH), k = param(random, B * T, NKV * DH), v = param(random, B * T, NKV * DH);
        // Blocks [0, 3) and [3, 4): a full block and a ragged one, each against its own prefix of the keys.
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID, AttentionOps.KEEP_LIMIT, 3), q, k, v);
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID, 0, 3), q, k, v);
    }

    @Test
    void blocksGiveTheFullProductsResults() {
        // A longer sequence with padding at both ends and inside, 6 query heads on 2 kv heads.
        int b = 2, t = 11, nh = 6, nkv = 2, dh = 4;
        boolean[] valid = new boolean[b * t];
        for (int i = 0; i < valid.length; i++) valid[i] = i != 0 && i != 5 && i != t + 9 && i != t + 10;
        Var q = param(random, b * t, nh * dh), k = param(random, b * t, nkv * dh), v = param(random, b * t, nkv * dh);
        Tensor dy = Tensor.randn(random, 1f, b * t, nh * dh);
        Var fullOut = AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, AttentionOps.KEEP_LIMIT, t);
        float[] full = fullOut.value().toArray();
        float[][] fullGrads = gradients(fullOut, dy, q, k, v);
        for (int block : new int[] {1, 2, 4, 5}) {
            for (long keep : new long[] {AttentionOps.KEEP_LIMIT, 0}) {
                Var out = AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, keep, block);
                float[] o = out.value().toArray();
                for (int i = 0; i < o.length; i++) assertThat(o[i]).as("block %d output %d", block, i).isCloseTo(full[i], within(1e-5f));
                float[][] grads = gradients(out, dy, q, k, v);
                for (int x = 0; x < 3; x++) {
                    for (int i = 0; i < grads[x].length; i++) {
                        assertThat(grads[x][i]).as("block %d input %d gradient %d", block, x, i).isCloseTo(fullGrads[x][i], within(1e-5f));
                    }
                }
            }
        }
        assertThat(AttentionOps.scoredPairs(t, t)).isEqualTo((long) t * t);
        assertThat(AttentionOps.scoredPairs(t, 1)).isEqualTo((long) t * (t + 1) / 2);
        assertThat(AttentionOps.scoredPairs(t, 4)).isEqualTo(4 * 4 + 4 * 8 + 3 * 11);
    }

    @Test
    void headsLargeEnoughForThePackedGemmMatchTheDefinitionInBlocks() {
        // Head size 64 and 300 positions: the block products run on the packed GEMM, each causal block against the
        // first columns of one packing of Kᵀ (and, backward, Vᵀ); 300 is no multiple of a panel or of the block.
        int b = 2, t = 300, nh = 4, nkv = 2, dh = 64;
        boolean[] valid = new boolean[b * t];
        for (int i = 0; i < valid.length; i++) valid[i] = i != 7 && i < b * t - 5;
        Var q = param(random, b * t, nh * dh), k = param(random, b * t, nkv * dh), v = param(random, b * t, nkv * dh);
        Tensor dy = Tensor.randn(random, 1f, b * t, nh * dh);
        float[] ref = reference(q.value(), k.value(), v.value(), b, t, nh, nkv, dh, valid).toArray();
        Var fullOut = AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, AttentionOps.KEEP_LIMIT, t);
        float[][] fullGrads = gradients(fullOut, dy, q, k, v);
        for (long keep : new long[] {AttentionOps.KEEP_LIMIT, 0}) {
            Var out = AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, keep, AttentionOps.BLOCK);
            float[] o = out.value().toArray();
            for (int i = 0; i < o.length; i++) assertThat(o[i]).as("output %d", i).isCloseTo(ref[i], within(2e-5f));
            float[][] grads = gradients(out, dy, q, k, v);
            for (int x = 0; x < 3; x++) {
                for (int i = 0; i < grads[x].length; i++) {
                    assertThat(grads[x][i]).as("keep %d input %d gradient %d", keep, x, i).isCloseTo(fullGrads[x][i], within(1e-4f));
                }
            }
        }
    }

    @Test
    void headSizesOffTheVectorLengthMatchTheDefinitionOverSeveralStrips() {
        // Head sizes below, between and above whole vectors, blocks of 32 positions: the diagonal block's products
        // run in strips of query rows (12, 12, 8), the head products on their masked edge columns.
        int b = 2, t = 40, nh = 3, nkv = 1;
        boolean[] valid = new boolean[b * t];
        for (int i = 0; i < valid.length; i++) valid[i] = i != 3 && i != b * t - 1;
        for (int dh : new int[] {5, 20, 80}) {
            Var q = param(random, b * t, nh * dh), k = param(random, b * t, nkv * dh), v = param(random, b * t, nkv * dh);
            Tensor dy = Tensor.randn(random, 1f, b * t, nh * dh);
            float[] ref = reference(q.value(), k.value(), v.value(), b, t, nh, nkv, dh, valid).toArray();
            float[][] first = null;
            for (long keep : new long[] {AttentionOps.KEEP_LIMIT, 0}) {
                Var out = AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, keep, 32);
                float[] o = out.value().toArray();
                for (int i = 0; i < o.length; i++) assertThat(o[i]).as("head size %d output %d", dh, i).isCloseTo(ref[i], within(2e-5f));
                float[][] grads = gradients(out, dy, q, k, v);
                if (first == null) first = grads;
                for (int x = 0; x < 3; x++) assertThat(grads[x]).as("head size %d input %d", dh, x).containsExactly(first[x], within(1e-5f));
            }
        }
    }

    @Test
    void gradientsOverSeveralStripsWithAnOddHeadSize() {
        int b = 1, t = 27, nh = 2, nkv = 1, dh = 5;
        boolean[] valid = new boolean[b * t];
        for (int i = 0; i < valid.length; i++) valid[i] = i != 13;
        Var q = param(random, b * t, nh * dh), k = param(random, b * t, nkv * dh), v = param(random, b * t, nkv * dh);
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, AttentionOps.KEEP_LIMIT, 16), q, k, v);
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, 0, t), q, k, v);
    }

    private static float[][] gradients(Var out, Tensor dy, Var... inputs) {
        for (Var x : inputs) x.zeroGrad();
        Tape.backward(out, dy, false);
        float[][] g = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) g[i] = inputs[i].grad().toArray();
        return g;
    }

    @Test
    void gradientsWithOneKvHeadAndNoPadding() {
        Var q = param(random, 2 * 3, 2 * 4), k = param(random, 2 * 3, 4), v = param(random, 2 * 3, 4);
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, 2, 3, 2, 1), q, k, v);
    }

    @Test
    void frozenInputsGetNoGradient() {
        Var q = param(random, B * T, NH * DH), k = constant(random, B * T, NKV * DH), v = param(random, B * T, NKV * DH);
        GradCheck.assertGradients(() -> AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID), q, k, v);
        assertThat(k.grad()).isNull();
    }

    @Test
    void sameResultOnOneThreadAndMany() {
        Var q = param(random, B * T, NH * DH), k = param(random, B * T, NKV * DH), v = param(random, B * T, NKV * DH);
        float[] one = new Parallel(1).call(() -> AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID).value().toArray());
        float[] many = new Parallel(3).call(() -> AttentionOps.attention(q, k, v, B, T, NH, NKV, VALID).value().toArray());
        assertThat(many).containsExactly(one, within(1e-6f)); // a wrong split would be far off; the JIT may reorder lanes
    }

    @Test
    void groupsSplitOverThreadsGiveTheSameResultsAndGradients() {
        // One sequence, one kv head shared by 5 query heads, on 3 threads: the group splits into slices of heads
        // (1, 2 and 2 heads), each summing its kv gradients apart; kept and recomputed probabilities.
        int b = 1, t = 70, nh = 5, nkv = 1, dh = 16;
        boolean[] valid = new boolean[b * t];
        for (int i = 0; i < valid.length; i++) valid[i] = i != 2;
        Var q = param(random, b * t, nh * dh), k = param(random, b * t, nkv * dh), v = param(random, b * t, nkv * dh);
        Tensor dy = Tensor.randn(random, 1f, b * t, nh * dh);
        for (long keep : new long[] {AttentionOps.KEEP_LIMIT, 0}) {
            float[][] one = new Parallel(1).call(() -> {
                Var out = AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, keep, AttentionOps.BLOCK);
                float[][] g = gradients(out, dy, q, k, v);
                return new float[][] {out.value().toArray(), g[0], g[1], g[2]};
            });
            float[][] split = new Parallel(3).call(() -> {
                Var out = AttentionOps.attention(q, k, v, b, t, nh, nkv, valid, keep, AttentionOps.BLOCK);
                float[][] g = gradients(out, dy, q, k, v);
                return new float[][] {out.value().toArray(), g[0], g[1], g[2]};
            });
            for (int x = 0; x < 4; x++) assertThat(split[x]).as("keep %d, result %d", keep, x).containsExactly(one[x], within(1e-5f));
        }
        Var q2 = param(random, 6, 3 * 2), k2 = param(random, 6, 2), v2 = param(random, 6, 2);
        new Parallel(3).run(() -> GradCheck.assertGradients(() -> AttentionOps.attention(q2, k2, v2, 1, 6, 3, 1), q2, k2, v2));
    }

    /** Plain loops in double: per sequence, head and query, a softmax over the allowed keys. */
    private static Tensor reference(Tensor q, Tensor k, Tensor v) {
        return reference(q, k, v, B, T, NH, NKV, DH, VALID);
    }

    private static Tensor reference(Tensor q, Tensor k, Tensor v, int B, int T, int NH, int NKV, int DH, boolean[] VALID) {
        Tensor out = Tensor.zeros(B * T, NH * DH);
        int group = NH / NKV;
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < NH; h++) {
                int kvh = h / group;
                for (int i = 0; i < T; i++) {
                    if (!VALID[b * T + i]) continue;
                    double[] w = new double[T];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        if (!VALID[b * T + j]) continue;
                        double s = 0;
                        for (int d = 0; d < DH; d++) s += q.get(b * T + i, h * DH + d) * k.get(b * T + j, kvh * DH + d);
                        w[j] = s / Math.sqrt(DH);
                        max = Math.max(max, w[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        w[j] = VALID[b * T + j] ? Math.exp(w[j] - max) : 0;
                        sum += w[j];
                    }
                    for (int d = 0; d < DH; d++) {
                        double o = 0;
                        for (int j = 0; j <= i; j++) o += w[j] / sum * v.get(b * T + j, kvh * DH + d);
                        out.set((float) o, b * T + i, h * DH + d);
                    }
                }
            }
        }
        return out;
    }
}
