package org.sparselora4j.autograd;

import java.util.Arrays;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.Softmax;

/**
 * Causal grouped-query self-attention with a padding mask, as one differentiable op.
 *
 * <p>Layout: q (batch·time, heads·headSize), k and v (batch·time, kvHeads·headSize), rows in (batch, time)
 * order; query head h reads kv head h / (heads / kvHeads). Query i of a sequence attends key j when j ≤ i and
 * key j is not padding; a padding query row outputs zeros and gets no gradient. Scores are scaled by
 * 1/sqrt(headSize).
 *
 * <p>Work is split over (sequence, kv head) groups. A group stacks the time steps of its query heads into one
 * (group·time, headSize) block so each product is one matmul kernel call: S = Q·Kᵀ, P = softmax(S), O = P·V.
 * The forward keeps P for the backward while batch·heads·time² is at most {@link #KEEP_LIMIT}; above it the
 * backward recomputes P from q and k (one more matmul) instead of holding that much memory.
 */
public final class AttentionOps {
    /**
     * Most probabilities (batch·heads·time² floats) kept from the forward for the backward: 64 MB. Above it the
     * backward recomputes them from q and k (one more matmul and softmax per group) to save the memory.
     */
    static final long KEEP_LIMIT = 1L << 24;
    /** Binds single-threaded kernels inside a group when the groups already fill every core. */
    private static final Parallel SERIAL = new Parallel(1);

    private AttentionOps() {
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
        return attention(q, k, v, batch, time, heads, kvHeads, valid, KEEP_LIMIT);
    }

    /** {@link #attention(Var, Var, Var, int, int, int, int, boolean[])} keeping at most {@code keepLimit} probabilities. */
    static Var attention(Var q, Var k, Var v, int batch, int time, int heads, int kvHeads, boolean[] valid, long keepLimit) {
        Geometry g = Geometry.of(q.value(), k.value(), v.value(), batch, time, heads, kvHeads, valid);
        boolean[] mask = valid.clone();
        Tensor out = Tensor.zeros(batch * time, heads * g.headSize);
        boolean grad = Tape.isRecording() && Var.anyRequiresGrad(q, k, v);
        // The probabilities of every group, kept for the backward when they are small enough (see KEEP_LIMIT).
        float[] kept = grad && (long) batch * heads * time * time <= keepLimit ? new float[batch * heads * time * time] : null;
        forGroups(g, kept, (b, kvh, bufs) -> {
            g.gatherHeads(q.value(), b, kvh, true, bufs.q);
            g.gatherHeads(k.value(), b, kvh, false, bufs.k);
            g.gatherHeads(v.value(), b, kvh, false, bufs.v);
            g.probabilities(bufs, b, mask);
            MatMul.ab(bufs.p, bufs.v, bufs.o, false);                     // O = P · V      (G, dh)
            g.scatterHeads(bufs.o, out, b, kvh, true);
        });
        return Var.op(out, dy -> {
            boolean dq = q.requiresGrad(), dk = k.requiresGrad(), dv = v.requiresGrad();
            Tensor qGrad = dq ? q.gradBuffer() : null;
            Tensor kGrad = dk ? k.gradBuffer() : null;
            Tensor vGrad = dv ? v.gradBuffer() : null;
            forGroups(g, kept, (b, kvh, bufs) -> {
                g.gatherHeads(k.value(), b, kvh, false, bufs.k);
                g.gatherHeads(v.value(), b, kvh, false, bufs.v);
                if (kept == null) {
                    g.gatherHeads(q.value(), b, kvh, true, bufs.q);
                    g.probabilities(bufs, b, mask);                       // recomputed P   (G, T)
                }
                g.gatherHeads(dy, b, kvh, true, bufs.o);                  // dO            (G, dh)
                if (dv) {
                    // dVᵀ = dOᵀ · P (dh, T): the same product as Pᵀ · dO, in the layout the kernels run fastest.
                    g.gatherHeadsTransposed(dy, b, kvh, true, bufs.oT);
                    MatMul.ab(bufs.oT, bufs.p, bufs.kvOutT, false);
                    g.addHeadsTransposed(bufs.kvOutT, vGrad, b, kvh);
                }
                if (!dq && !dk) return;
                MatMul.abT(bufs.o, bufs.v, bufs.dp, false);               // dP = dO · Vᵀ   (G, T)
                g.softmaxBackward(bufs, b, mask);                         // dS, scaled     (G, T)
                if (dk) {
                    g.gatherHeadsTransposed(q.value(), b, kvh, true, bufs.oT);
                    MatMul.ab(bufs.oT, bufs.ds, bufs.kvOutT, false);      // dKᵀ = Qᵀ · dS  (dh, T)
                    g.addHeadsTransposed(bufs.kvOutT, kGrad, b, kvh);
                }
                if (dq) {
                    MatMul.ab(bufs.ds, bufs.k, bufs.o, false);            // dQ = dS · K    (G, dh)
                    g.addHeads(bufs.o, qGrad, b, kvh, true);
                }
            });
        }, q, k, v);
    }

    @FunctionalInterface
    private interface GroupBody {
        void run(int b, int kvHead, Buffers bufs);
    }

    /**
     * Runs body for every (sequence, kv head), each worker with its own scratch buffers. With {@code kept}, the
     * group's P buffer is its slice of that array, so the forward fills it and the backward reads it back.
     */
    private static void forGroups(Geometry g, float[] kept, GroupBody body) {
        Parallel par = Parallel.current();
        int groups = g.batch * g.kvHeads;
        boolean fillsCores = groups >= par.threads();
        par.forRange(groups, (from, to) -> {
            Buffers bufs = new Buffers(g, kept == null);
            Runnable work = () -> {
                for (int t = from; t < to; t++) {
                    if (kept != null) bufs.p = Tensor.view(kept, t * bufs.pSize, bufs.pShape);
                    body.run(t / g.kvHeads, t % g.kvHeads, bufs);
                }
            };
            if (fillsCores) SERIAL.run(work);
            else work.run();
        });
    }

    /** Scratch for one group: G = (heads / kvHeads) · time stacked query rows. */
    private static final class Buffers {
        final Tensor q, k, v, o, oT, kvOutT, dp, ds;
        final Shape pShape;
        final int pSize;
        Tensor p;

        Buffers(Geometry g, boolean ownP) {
            int rows = g.group * g.time;
            q = Tensor.zeros(rows, g.headSize);
            o = Tensor.zeros(rows, g.headSize);
            oT = Tensor.zeros(g.headSize, rows);
            k = Tensor.zeros(g.time, g.headSize);
            v = Tensor.zeros(g.time, g.headSize);
            kvOutT = Tensor.zeros(g.headSize, g.time);
            pShape = Shape.of(rows, g.time);
            pSize = rows * g.time;
            p = ownP ? Tensor.zeros(pShape) : null;
            dp = Tensor.zeros(rows, g.time);
            ds = Tensor.zeros(rows, g.time);
        }
    }

    /** Sizes of one attention call and the moves between its wide layout and a group's stacked blocks. */
    private record Geometry(int batch, int time, int heads, int kvHeads, int headSize, int group, float scale) {
        static Geometry of(Tensor q, Tensor k, Tensor v, int batch, int time, int heads, int kvHeads, boolean[] valid) {
            if (batch <= 0 || time <= 0 || heads <= 0 || kvHeads <= 0) {
                throw new IllegalArgumentException("attention sizes must be positive: batch " + batch + ", time " + time + ", heads " + heads + ", kvHeads " + kvHeads);
            }
            if (heads % kvHeads != 0) throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
            if (q.cols() % heads != 0) throw new IllegalArgumentException("q width " + q.cols() + " is not a multiple of heads " + heads);
            int headSize = q.cols() / heads;
            int n = batch * time;
            check("q", q, n, heads * headSize);
            check("k", k, n, kvHeads * headSize);
            check("v", v, n, kvHeads * headSize);
            if (valid.length != n) throw new IllegalArgumentException("attention: " + valid.length + " validity flags for " + n + " rows");
            return new Geometry(batch, time, heads, kvHeads, headSize, heads / kvHeads, (float) (1.0 / Math.sqrt(headSize)));
        }

        private static void check(String what, Tensor t, int rows, int cols) {
            if (t.rows() != rows || t.cols() != cols) {
                throw new IllegalArgumentException("attention: " + what + " is " + t.shape() + ", expected " + rows + "x" + cols);
            }
        }

        /**
         * Copies the heads of sequence b that belong to kv head kvh into a stacked block: for queries (wide =
         * heads·dh) the group's query heads one after another, (G, dh); for keys/values (wide = kvHeads·dh) the
         * one kv head, (T, dh).
         */
        void gatherHeads(Tensor wide, int b, int kvh, boolean queries, Tensor block) {
            int width = wide.cols();
            int nHeads = queries ? group : 1;
            int firstHead = queries ? kvh * group : kvh;
            float[] src = wide.data(), dst = block.data();
            for (int hh = 0; hh < nHeads; hh++) {
                for (int t = 0; t < time; t++) {
                    int from = wide.offset() + (b * time + t) * width + (firstHead + hh) * headSize;
                    System.arraycopy(src, from, dst, (hh * time + t) * headSize, headSize);
                }
            }
        }

        /** The inverse move of {@link #gatherHeads} for the output: block rows to their places in {@code wide}. */
        void scatterHeads(Tensor block, Tensor wide, int b, int kvh, boolean queries) {
            int width = wide.cols();
            int nHeads = queries ? group : 1;
            int firstHead = queries ? kvh * group : kvh;
            for (int hh = 0; hh < nHeads; hh++) {
                for (int t = 0; t < time; t++) {
                    int to = wide.offset() + (b * time + t) * width + (firstHead + hh) * headSize;
                    System.arraycopy(block.data(), (hh * time + t) * headSize, wide.data(), to, headSize);
                }
            }
        }

        /** wide[heads of (b, kvh)] += block: the same places as {@link #scatterHeads}, accumulated. */
        void addHeads(Tensor block, Tensor wide, int b, int kvh, boolean queries) {
            int width = wide.cols();
            int nHeads = queries ? group : 1;
            int firstHead = queries ? kvh * group : kvh;
            float[] src = block.data(), dst = wide.data();
            for (int hh = 0; hh < nHeads; hh++) {
                for (int t = 0; t < time; t++) {
                    int to = wide.offset() + (b * time + t) * width + (firstHead + hh) * headSize;
                    int from = (hh * time + t) * headSize;
                    for (int j = 0; j < headSize; j++) dst[to + j] += src[from + j];
                }
            }
        }

        /**
         * The transpose of {@link #gatherHeads}: block (dh, G) with column (hh·T + t) holding row t of head hh, so
         * that products over the time axis become plain A·B products.
         */
        void gatherHeadsTransposed(Tensor wide, int b, int kvh, boolean queries, Tensor block) {
            int width = wide.cols();
            int nHeads = queries ? group : 1;
            int firstHead = queries ? kvh * group : kvh;
            int cols = nHeads * time;
            float[] src = wide.data(), dst = block.data();
            for (int hh = 0; hh < nHeads; hh++) {
                for (int t = 0; t < time; t++) {
                    int from = wide.offset() + (b * time + t) * width + (firstHead + hh) * headSize;
                    int col = hh * time + t;
                    for (int j = 0; j < headSize; j++) dst[j * cols + col] = src[from + j];
                }
            }
        }

        /** wide[kv head kvh of sequence b] += blockᵀ, block (dh, T): the transposed {@link #addHeads} for keys and values. */
        void addHeadsTransposed(Tensor block, Tensor wide, int b, int kvh) {
            int width = wide.cols();
            float[] src = block.data(), dst = wide.data();
            for (int t = 0; t < time; t++) {
                int to = wide.offset() + (b * time + t) * width + kvh * headSize;
                for (int j = 0; j < headSize; j++) dst[to + j] += src[j * time + t];
            }
        }

        /**
         * P (G, T) = masked softmax of Q·Kᵀ · scale. Query t sees keys [0, t] that are not padding; the rest of its
         * row is 0, and a padding query's whole row is 0.
         */
        void probabilities(Buffers bufs, int b, boolean[] valid) {
            MatMul.abT(bufs.q, bufs.k, bufs.p, false);                    // S = Q · Kᵀ     (G, T)
            float[] p = bufs.p.data();
            int base = bufs.p.offset();
            for (int hh = 0; hh < group; hh++) {
                for (int t = 0; t < time; t++) {
                    int row = base + (hh * time + t) * time;
                    if (!valid[b * time + t]) {
                        Arrays.fill(p, row, row + time, 0f);
                        continue;
                    }
                    for (int j = 0; j <= t; j++) {
                        // −∞ for padding keys; the query itself is valid, so the row's max stays finite.
                        p[row + j] = valid[b * time + j] ? p[row + j] * scale : Float.NEGATIVE_INFINITY;
                    }
                    Softmax.inPlace(p, row, t + 1);
                    Arrays.fill(p, row + t + 1, row + time, 0f);
                }
            }
        }

        /** dS = scale · P ⊙ (dP − Σ dP ⊙ P) from bufs.dp into bufs.ds; 0 wherever P is masked. */
        void softmaxBackward(Buffers bufs, int b, boolean[] valid) {
            float[] p = bufs.p.data(), dp = bufs.dp.data(), ds = bufs.ds.data();
            int pBase = bufs.p.offset();
            for (int hh = 0; hh < group; hh++) {
                for (int t = 0; t < time; t++) {
                    int row = (hh * time + t) * time;
                    if (!valid[b * time + t]) {
                        Arrays.fill(ds, row, row + time, 0f);
                        continue;
                    }
                    Softmax.backward(p, pBase + row, dp, row, ds, row, t + 1, false);
                    for (int j = 0; j <= t; j++) ds[row + j] *= scale;
                    Arrays.fill(ds, row + t + 1, row + time, 0f);
                }
            }
        }
    }
}
