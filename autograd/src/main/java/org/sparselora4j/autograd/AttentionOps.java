package org.sparselora4j.autograd;

import java.util.Arrays;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.PackedMatrix;
import org.sparselora4j.tensor.kernel.Softmax;

/**
 * Causal grouped-query self-attention with a padding mask, as one differentiable op.
 *
 * <p>Layout: q (batch·time, heads·headSize), k and v (batch·time, kvHeads·headSize), rows in (batch, time)
 * order; query head h reads kv head h / (heads / kvHeads). Query i of a sequence attends key j when j ≤ i and
 * key j is not padding; a padding query row outputs zeros and gets no gradient. Scores are scaled by
 * 1/sqrt(headSize).
 *
 * <p>Work is split over (sequence, kv head) groups, and inside a group over blocks of {@link #BLOCK} query
 * positions. A block stacks its positions of the group's query heads into one (group·bq, headSize) matrix and
 * meets only the keys up to its last position, t1: S = Q·K[0, t1)ᵀ, P = softmax(S), O = P·V[0, t1). So the
 * masked upper triangle is skipped except inside the diagonal blocks, and a long sequence costs about half the
 * full T×T products ({@link #scoredPairs}). The forward keeps P for the backward while it is at most
 * {@link #KEEP_LIMIT} floats (4 MB); above it the backward recomputes P from q and k (one more matmul) instead of
 * holding that much memory.
 */
public final class AttentionOps {
    /**
     * Most probabilities (floats) kept from the forward for the backward: 4 MB. Above it the backward
     * recomputes them from q and k (one more matmul and softmax per block) to save the memory: at the Llama 3.2
     * 1B shape over 512 tokens a layer's probabilities are 19 MB, an eighth of what the block keeps, while
     * recomputing them costs about 1% of the step (the score products are ~1% of the projections' FLOPs there).
     */
    static final long KEEP_LIMIT = 1L << 20;
    /** Query positions per block: small enough to skip most of the masked half, large enough for fast kernels. */
    static final int BLOCK = 64;
    /** Binds single-threaded kernels inside a group when the groups already fill every core. */
    private static final Parallel SERIAL = new Parallel(1);

    private AttentionOps() {
    }

    /**
     * (query, key) pairs whose score one head computes over a sequence of {@code time} positions: every block
     * of query positions [t0, t1) against keys [0, t1), about time·(time + {@link #BLOCK}) / 2.
     */
    public static long scoredPairs(int time) {
        return scoredPairs(time, BLOCK);
    }

    /**
     * Probabilities (floats) one attention call over batch x time positions keeps for its backward: all of
     * them while they are at most {@link #KEEP_LIMIT}, none above (the backward then recomputes them).
     */
    public static long keptFloats(int batch, int time, int heads) {
        long size = (long) batch * heads * scoredPairs(time, Math.min(BLOCK, time));
        return size <= KEEP_LIMIT ? size : 0;
    }

    static long scoredPairs(int time, int block) {
        long pairs = 0;
        for (int t0 = 0; t0 < time; t0 += block) {
            int t1 = Math.min(time, t0 + block);
            pairs += (long) (t1 - t0) * t1;
        }
        return pairs;
    }

    /** {@link #attention(Var, Var, Var, int, int, int, int, boolean[])} with no padding. */
    public static Var attention(Var q, Var k, Var v, int batch, int time, int heads, int kvHeads) {
        boolean[] valid = new boolean[batch * time];
        Arrays.fill(valid, true);
        return attention(q, k, v, batch, time, heads, kvHeads, valid);
    }

    /**
     * out (batch·time, heads·headSize) = softmax(q·kᵀ / sqrt(headSize) + causal and padding mask) · v per head;
     * {@code valid[b·time + t]} is false where position t of sequence b is padding.
     */
    public static Var attention(Var q, Var k, Var v, int batch, int time, int heads, int kvHeads, boolean[] valid) {
        return attention(q, k, v, batch, time, heads, kvHeads, valid, KEEP_LIMIT, BLOCK);
    }

    /**
     * {@link #attention(Var, Var, Var, int, int, int, int, boolean[])} keeping at most {@code keepLimit}
     * probabilities, with {@code block} query positions per block (block ≥ time computes the full T×T).
     */
    static Var attention(Var q, Var k, Var v, int batch, int time, int heads, int kvHeads, boolean[] valid, long keepLimit, int block) {
        Geometry g = Geometry.of(q.value(), k.value(), v.value(), batch, time, heads, kvHeads, valid, block);
        boolean[] mask = valid.clone();
        Tensor out = Tensor.zeros(batch * time, heads * g.headSize);
        boolean grad = Tape.isRecording() && Var.anyRequiresGrad(q, k, v);
        // The probabilities of every block, kept for the backward when they are small enough (see KEEP_LIMIT).
        long keptSize = (long) batch * heads * g.pairs;
        float[] kept = grad && keptSize <= keepLimit ? new float[(int) keptSize] : null;
        forGroups(g, kept, (b, kvh, bufs) -> {
            g.gatherHeads(k.value(), b, kvh, bufs.k);
            g.gatherHeads(v.value(), b, kvh, bufs.v);
            PackedMatrix keys = PackedMatrix.transposed(bufs.k, bufs.kPacked);   // Kᵀ packed once for every block
            for (int t0 = 0; t0 < time; t0 += g.block) {
                int t1 = Math.min(time, t0 + g.block);
                Tensor qb = g.gatherQueries(q.value(), b, kvh, t0, t1, bufs.q);
                Tensor p = bufs.probabilities(t0, t1);
                g.probabilities(qb, keys.firstColumns(t1), p, b, t0, mask);
                Tensor ob = bufs.o.rows(0, qb.rows());
                MatMul.ab(p, bufs.v.rows(0, t1), ob, false);                  // O = P · V[0, t1)   (R, dh)
                g.scatterQueries(ob, out, b, kvh, t0, t1);
            }
        });
        return Var.op(out, dy -> {
            boolean dq = q.requiresGrad(), dk = k.requiresGrad(), dv = v.requiresGrad();
            Tensor qGrad = dq ? q.gradBuffer() : null;
            Tensor kGrad = dk ? k.gradBuffer() : null;
            Tensor vGrad = dv ? v.gradBuffer() : null;
            forGroups(g, kept, (b, kvh, bufs) -> {
                g.gatherHeads(k.value(), b, kvh, bufs.k);
                g.gatherHeads(v.value(), b, kvh, bufs.v);
                PackedMatrix keys = kept == null ? PackedMatrix.transposed(bufs.k, bufs.kPacked) : null;
                PackedMatrix values = dq || dk ? PackedMatrix.transposed(bufs.v, bufs.vPacked) : null;
                bufs.dkT.zero();
                bufs.dvT.zero();
                for (int t0 = 0; t0 < time; t0 += g.block) {
                    int t1 = Math.min(time, t0 + g.block);
                    Tensor p = bufs.probabilities(t0, t1);
                    Tensor kvT = bufs.kvT(t1);
                    if (kept == null) {
                        g.probabilities(g.gatherQueries(q.value(), b, kvh, t0, t1, bufs.q), keys.firstColumns(t1), p, b, t0, mask);
                    }
                    Tensor dob = g.gatherQueries(dy, b, kvh, t0, t1, bufs.o);                   // dO   (R, dh)
                    if (dv) {
                        // dV[0, t1)ᵀ += dOᵀ · P (dh, t1): the same product as Pᵀ · dO, in the layout the kernels
                        // run fastest (no transposing pack of P).
                        MatMul.ab(g.gatherQueriesTransposed(dy, b, kvh, t0, t1, bufs.qT), p, kvT, false);
                        g.addPrefix(kvT, bufs.dvT);
                    }
                    if (!dq && !dk) continue;
                    Tensor dp = Tensor.view(bufs.dp.data(), 0, p.shape());
                    Tensor ds = Tensor.view(bufs.ds.data(), 0, p.shape());
                    MatMul.multiply(dob, values.firstColumns(t1), dp, false);     // dP = dO · V[0, t1)ᵀ (R, t1)
                    g.softmaxBackward(p, dp, ds, b, t0, mask);                    // dS, scaled          (R, t1)
                    if (dk) {
                        MatMul.ab(g.gatherQueriesTransposed(q.value(), b, kvh, t0, t1, bufs.qT), ds, kvT, false);
                        g.addPrefix(kvT, bufs.dkT);                               // dK[0, t1)ᵀ += Qᵀ · dS
                    }
                    if (dq) {
                        MatMul.ab(ds, bufs.k.rows(0, t1), dob, false);            // dQ = dS · K[0, t1)  (R, dh)
                        g.addQueries(dob, qGrad, b, kvh, t0, t1);
                    }
                }
                if (dk) g.addHeadsTransposed(bufs.dkT, kGrad, b, kvh);
                if (dv) g.addHeadsTransposed(bufs.dvT, vGrad, b, kvh);
            });
        }, q, k, v);
    }

    @FunctionalInterface
    private interface GroupBody {
        void run(int b, int kvHead, Buffers bufs);
    }

    /**
     * Runs body for every (sequence, kv head), each worker with its own scratch buffers. With {@code kept}, the
     * group's probabilities are its slice of that array, so the forward fills it and the backward reads it back.
     */
    private static void forGroups(Geometry g, float[] kept, GroupBody body) {
        Parallel par = Parallel.current();
        int groups = g.batch * g.kvHeads;
        boolean fillsCores = groups >= par.threads();
        par.forRange(groups, (from, to) -> {
            Buffers bufs = new Buffers(g, kept);
            Runnable work = () -> {
                for (int t = from; t < to; t++) {
                    bufs.keptBase = (long) t * g.group * g.pairs;
                    body.run(t / g.kvHeads, t % g.kvHeads, bufs);
                }
            };
            if (fillsCores) SERIAL.run(work);
            else work.run();
        });
    }

    /** Scratch for one group: R = group · bq stacked query rows of a block, keys and values of the sequence. */
    private static final class Buffers {
        final Tensor q, o, qT, k, v, dkT, dvT, kvT, dp, ds, p;
        /** Kᵀ and Vᵀ of the group packed for the GEMM, reused by every block. */
        final float[] kPacked, vPacked;
        final float[] kept;
        final int group, block, headSize;
        /** Where the current group's probabilities start in {@link #kept}. */
        long keptBase;

        Buffers(Geometry g, float[] kept) {
            int rows = g.group * g.block;
            this.kept = kept;
            this.group = g.group;
            this.block = g.block;
            this.headSize = g.headSize;
            q = Tensor.zeros(rows, g.headSize);
            o = Tensor.zeros(rows, g.headSize);
            k = Tensor.zeros(g.time, g.headSize);
            v = Tensor.zeros(g.time, g.headSize);
            kPacked = new float[(int) PackedMatrix.floatsFor(g.headSize, g.time)];
            vPacked = new float[(int) PackedMatrix.floatsFor(g.headSize, g.time)];
            qT = Tensor.zeros(g.headSize * rows);
            dkT = Tensor.zeros(g.headSize, g.time);
            dvT = Tensor.zeros(g.headSize, g.time);
            kvT = Tensor.zeros(g.headSize * g.time);
            p = kept == null ? Tensor.zeros(rows * g.time) : null;
            dp = Tensor.zeros(rows * g.time);
            ds = Tensor.zeros(rows * g.time);
        }

        /** Scratch for a (dh, t1) product. */
        Tensor kvT(int t1) {
            return Tensor.view(kvT.data(), 0, Shape.of(headSize, t1));
        }

        /** The (group·(t1 − t0), t1) probabilities of block [t0, t1): its slice of the kept array, or scratch. */
        Tensor probabilities(int t0, int t1) {
            Shape shape = Shape.of(group * (t1 - t0), t1);
            if (kept == null) return Tensor.view(p.data(), 0, shape);
            // The n blocks before t0 are full, block i holding group·bq·(i + 1)·bq floats.
            long n = t0 / block;
            long before = group * (long) block * block * n * (n + 1) / 2;
            return Tensor.view(kept, (int) (keptBase + before), shape);
        }
    }

    /** Sizes of one attention call and the moves between its wide layout and a block's stacked rows. */
    private record Geometry(int batch, int time, int heads, int kvHeads, int headSize, int group, int block, long pairs, float scale) {
        static Geometry of(Tensor q, Tensor k, Tensor v, int batch, int time, int heads, int kvHeads, boolean[] valid, int block) {
            if (batch <= 0 || time <= 0 || heads <= 0 || kvHeads <= 0 || block <= 0) {
                throw new IllegalArgumentException("attention sizes must be positive: batch " + batch + ", time " + time
                        + ", heads " + heads + ", kvHeads " + kvHeads + ", block " + block);
            }
            if (heads % kvHeads != 0) throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
            if (q.cols() % heads != 0) throw new IllegalArgumentException("q width " + q.cols() + " is not a multiple of heads " + heads);
            int headSize = q.cols() / heads;
            int n = batch * time;
            check("q", q, n, heads * headSize);
            check("k", k, n, kvHeads * headSize);
            check("v", v, n, kvHeads * headSize);
            if (valid.length != n) throw new IllegalArgumentException("attention: " + valid.length + " validity flags for " + n + " rows");
            int bq = Math.min(block, time);
            return new Geometry(batch, time, heads, kvHeads, headSize, heads / kvHeads, bq, scoredPairs(time, bq),
                    (float) (1.0 / Math.sqrt(headSize)));
        }

        private static void check(String what, Tensor t, int rows, int cols) {
            if (t.rows() != rows || t.cols() != cols) {
                throw new IllegalArgumentException("attention: " + what + " is " + t.shape() + ", expected " + rows + "x" + cols);
            }
        }

        /** Copies kv head kvh of sequence b, (T, dh), out of k or v (batch·time, kvHeads·dh) into {@code block}. */
        void gatherHeads(Tensor wide, int b, int kvh, Tensor block) {
            int width = wide.cols();
            for (int t = 0; t < time; t++) {
                System.arraycopy(wide.data(), wide.offset() + (b * time + t) * width + kvh * headSize, block.data(), t * headSize, headSize);
            }
        }

        /** wide[kv head kvh of sequence b] += blockᵀ, block (dh, T): the inverse move of {@link #gatherHeads}, transposed and accumulated. */
        void addHeadsTransposed(Tensor block, Tensor wide, int b, int kvh) {
            int width = wide.cols();
            float[] src = block.data(), dst = wide.data();
            for (int t = 0; t < time; t++) {
                int to = wide.offset() + (b * time + t) * width + kvh * headSize;
                for (int j = 0; j < headSize; j++) dst[to + j] += src[j * time + t];
            }
        }

        /** acc[:, 0, t1) += part, part (dh, t1) and acc (dh, T): a block's share of a transposed key or value gradient. */
        void addPrefix(Tensor part, Tensor acc) {
            int t1 = part.cols();
            float[] src = part.data(), dst = acc.data();
            for (int j = 0; j < headSize; j++) {
                int from = part.offset() + j * t1, to = acc.offset() + j * time;
                for (int t = 0; t < t1; t++) dst[to + t] += src[from + t];
            }
        }

        /** The transpose of {@link #gatherQueries}: column hh·(t1 − t0) + (t − t0) of the (dh, R) result. */
        Tensor gatherQueriesTransposed(Tensor wide, int b, int kvh, int t0, int t1, Tensor scratch) {
            int width = wide.cols(), bq = t1 - t0, cols = group * bq;
            float[] src = wide.data(), dst = scratch.data();
            for (int hh = 0; hh < group; hh++) {
                for (int t = t0; t < t1; t++) {
                    int from = wide.offset() + (b * time + t) * width + (kvh * group + hh) * headSize;
                    int col = hh * bq + t - t0;
                    for (int j = 0; j < headSize; j++) dst[j * cols + col] = src[from + j];
                }
            }
            return Tensor.view(dst, 0, Shape.of(headSize, cols));
        }

        /**
         * Copies positions [t0, t1) of the group's query heads of sequence b into the front of {@code scratch}:
         * row hh·(t1 − t0) + (t − t0) holds position t of the group's head hh; returns that (R, dh) view.
         */
        Tensor gatherQueries(Tensor wide, int b, int kvh, int t0, int t1, Tensor scratch) {
            int width = wide.cols(), bq = t1 - t0;
            for (int hh = 0; hh < group; hh++) {
                for (int t = t0; t < t1; t++) {
                    int from = wide.offset() + (b * time + t) * width + (kvh * group + hh) * headSize;
                    System.arraycopy(wide.data(), from, scratch.data(), (hh * bq + t - t0) * headSize, headSize);
                }
            }
            return scratch.rows(0, group * bq);
        }

        /** The inverse move of {@link #gatherQueries}: block rows to their places in {@code wide}. */
        void scatterQueries(Tensor block, Tensor wide, int b, int kvh, int t0, int t1) {
            int width = wide.cols(), bq = t1 - t0;
            for (int hh = 0; hh < group; hh++) {
                for (int t = t0; t < t1; t++) {
                    int to = wide.offset() + (b * time + t) * width + (kvh * group + hh) * headSize;
                    System.arraycopy(block.data(), block.offset() + (hh * bq + t - t0) * headSize, wide.data(), to, headSize);
                }
            }
        }

        /** wide[queries of block [t0, t1)] += block: the same places as {@link #scatterQueries}, accumulated. */
        void addQueries(Tensor block, Tensor wide, int b, int kvh, int t0, int t1) {
            int width = wide.cols(), bq = t1 - t0;
            float[] src = block.data(), dst = wide.data();
            for (int hh = 0; hh < group; hh++) {
                for (int t = t0; t < t1; t++) {
                    int to = wide.offset() + (b * time + t) * width + (kvh * group + hh) * headSize;
                    int from = block.offset() + (hh * bq + t - t0) * headSize;
                    for (int j = 0; j < headSize; j++) dst[to + j] += src[from + j];
                }
            }
        }

        /**
         * P (R, t1) = masked softmax of Q·K[0, t1)ᵀ · scale for the block [t0, t1) of sequence b. Query t sees
         * keys [0, t] that are not padding; the rest of its row is 0, and a padding query's whole row is 0.
         */
        void probabilities(Tensor qb, PackedMatrix keys, Tensor pb, int b, int t0, boolean[] valid) {
            MatMul.multiply(qb, keys, pb, false);                             // S = Q · K[0, t1)ᵀ  (R, t1)
            int t1 = keys.n(), bq = t1 - t0;
            float[] p = pb.data();
            for (int hh = 0; hh < group; hh++) {
                for (int t = t0; t < t1; t++) {
                    int row = pb.offset() + (hh * bq + t - t0) * t1;
                    if (!valid[b * time + t]) {
                        Arrays.fill(p, row, row + t1, 0f);
                        continue;
                    }
                    for (int j = 0; j <= t; j++) {
                        // −∞ for padding keys; the query itself is valid, so the row's max stays finite.
                        p[row + j] = valid[b * time + j] ? p[row + j] * scale : Float.NEGATIVE_INFINITY;
                    }
                    Softmax.inPlace(p, row, t + 1);
                    Arrays.fill(p, row + t + 1, row + t1, 0f);
                }
            }
        }

        /** dS = scale · P ⊙ (dP − Σ dP ⊙ P) for the block [t0, t1), from dp into ds; 0 wherever P is masked. */
        void softmaxBackward(Tensor pb, Tensor dpb, Tensor dsb, int b, int t0, boolean[] valid) {
            int t1 = pb.cols(), bq = t1 - t0;
            float[] p = pb.data(), dp = dpb.data(), ds = dsb.data();
            for (int hh = 0; hh < group; hh++) {
                for (int t = t0; t < t1; t++) {
                    int row = (hh * bq + t - t0) * t1;
                    if (!valid[b * time + t]) {
                        Arrays.fill(ds, row, row + t1, 0f);
                        continue;
                    }
                    Softmax.backward(p, pb.offset() + row, dp, row, ds, row, t + 1, false);
                    for (int j = 0; j <= t; j++) ds[row + j] *= scale;
                    Arrays.fill(ds, row + t + 1, row + t1, 0f);
                }
            }
        }
    }
}
