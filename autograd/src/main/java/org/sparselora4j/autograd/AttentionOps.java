package org.sparselora4j.autograd;

import java.util.Arrays;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.HeadMatMul;
import org.sparselora4j.tensor.kernel.Machine;
import org.sparselora4j.tensor.kernel.Softmax;

/**
 * Causal grouped-query self-attention with a padding mask, as one differentiable op.
 *
 * <p>Layout: q (batch·time, heads·headSize), k and v (batch·time, kvHeads·headSize), rows in (batch, time)
 * order; query head h reads kv head h / (heads / kvHeads). Query i of a sequence attends key j when j ≤ i and
 * key j is not padding; a padding query row outputs zeros and gets no gradient. Scores are scaled by
 * 1/sqrt(headSize).
 *
 * <p>Work is split over (sequence, kv head) groups (or slices of a group's query heads where the groups are
 * fewer than the threads), and inside a group over blocks of {@link #BLOCK} query positions. A block's
 * positions of the group's query heads meet only the keys up to its last position, t1: S = Q·K[0, t1)ᵀ,
 * P = softmax(S), O = P·V[0, t1). So the masked upper triangle is skipped except inside the diagonal blocks, and
 * a long sequence costs about half the full T×T products ({@link #scoredPairs}); inside a diagonal block the
 * products that sum over keys or queries stop at the diagonal in strips of {@link #STRIP} rows. Every product
 * runs on {@link HeadMatMul}, which reads a head's rows of q, k, v, dO and writes those of the output and the
 * gradients in place in their wide layouts: no gathers, scatters or transposed copies but scale·Kᵀ and scale·Vᵀ
 * (dh, T) per group, which also carry the 1/sqrt(headSize). The forward keeps P for the backward while it is at
 * most {@link #KEEP_LIMIT} floats (4 MB); above it the backward recomputes P from q and k (one more product)
 * instead of holding that much memory.
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
    /** Rows per strip of a diagonal block's products: two 6-row register tiles, or one 12-row one. */
    private static final int STRIP = 12;
    /** Floats per vector of the kernels: softmax rows are run to whole vectors. */
    private static final int LANES = Machine.current().lanes();

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
        forUnits(g, kept, false, (u, bufs) -> {
            g.scaledTranspose(k.value(), u, bufs.kT);                        // scale · Kᵀ   (dh, T)
            for (int t0 = 0; t0 < time; t0 += g.block) {
                int t1 = Math.min(time, t0 + g.block);
                Tensor p = bufs.probabilities(t0, t1);
                g.probabilities(q.value(), bufs.kT, p, u, t0, mask);
                g.headsTimesKv(p, v.value(), out, u, t0, false);             // O = P · V[0, t1)   (bq, dh) per head
            }
        });
        return Var.op(out, dy -> {
            boolean dq = q.requiresGrad(), dk = k.requiresGrad(), dv = v.requiresGrad();
            Tensor qGrad = dq ? q.gradBuffer() : null;
            Tensor kGrad = dk ? k.gradBuffer() : null;
            Tensor vGrad = dv ? v.gradBuffer() : null;
            int units = g.units(Parallel.current().threads());
            int slices = units / (g.batch * g.kvHeads);
            // Split groups: each slice of a group's heads sums its dK and dV in its own (T, dh) part, added up after.
            float[][] kParts = dk && slices > 1 ? new float[units][time * g.headSize] : null;
            float[][] vParts = dv && slices > 1 ? new float[units][time * g.headSize] : null;
            forUnits(g, kept, true, (u, bufs) -> {
                Rows kTo = dk ? (kParts != null ? new Rows(kParts[u.index], 0, g.headSize) : g.kvRows(kGrad, u)) : null;
                Rows vTo = dv ? (vParts != null ? new Rows(vParts[u.index], 0, g.headSize) : g.kvRows(vGrad, u)) : null;
                if (kept == null) g.scaledTranspose(k.value(), u, bufs.kT);
                if (dq || dk) g.scaledTranspose(v.value(), u, bufs.vT);
                for (int t0 = 0; t0 < time; t0 += g.block) {
                    int t1 = Math.min(time, t0 + g.block);
                    Tensor p = bufs.probabilities(t0, t1);
                    if (kept == null) g.probabilities(q.value(), bufs.kT, p, u, t0, mask);
                    if (dv) g.headsTransposedTimesQueries(p, dy, vTo, u, t0);    // dV[0, t1) += Pᵀ · dO
                    if (!dq && !dk) continue;
                    Tensor ds = Tensor.view(bufs.ds.data(), 0, p.shape());
                    g.queriesTimes(dy, bufs.vT, ds, u, t0);                      // dP = dO · (scale · V[0, t1)ᵀ)
                    g.softmaxBackward(p, ds, u, t0, mask);                       // dS, in place, scaled
                    if (dk) g.headsTransposedTimesQueries(ds, q.value(), kTo, u, t0); // dK[0, t1) += dSᵀ · Q
                    if (dq) g.headsTimesKv(ds, k.value(), qGrad, u, t0, true);       // dQ += dS · K[0, t1)
                }
            });
            if (kParts != null) g.addParts(kParts, slices, kGrad);
            if (vParts != null) g.addParts(vParts, slices, vGrad);
        }, q, k, v);
    }

    /**
     * The heads [h0, h1) of kv head {@code kvh}'s group in sequence {@code b}: one unit of work, number
     * {@code index} of {@link Geometry#units}.
     */
    private record Unit(int index, int b, int kvh, int h0, int h1) {
    }

    /** Rows of a (T, dh) matrix: row t at {@code data[offset + t·stride]}. */
    private record Rows(float[] data, int offset, int stride) {
    }

    @FunctionalInterface
    private interface UnitBody {
        void run(Unit unit, Buffers bufs);
    }

    /**
     * Runs body for every unit, each worker with its own scratch buffers: a whole (sequence, kv head) group
     * where the groups fill the cores, else a slice of its query heads. With {@code kept}, the group's
     * probabilities are its slice of that array, so the forward fills it and the backward reads it back.
     */
    private static void forUnits(Geometry g, float[] kept, boolean backward, UnitBody body) {
        Parallel par = Parallel.current();
        int units = g.units(par.threads());
        int slices = units / (g.batch * g.kvHeads);
        par.forRange(units, (from, to) -> {
            Buffers bufs = new Buffers(g, kept, backward);
            for (int u = from; u < to; u++) {
                int group = u / slices, slice = u % slices;
                bufs.keptBase = (long) group * g.group * g.pairs;
                body.run(new Unit(u, group / g.kvHeads, group % g.kvHeads, slice * g.group / slices, (slice + 1) * g.group / slices), bufs);
            }
        });
    }

    /** Scratch for one group: scaled Kᵀ and Vᵀ of the sequence, a block's probabilities and their gradient. */
    private static final class Buffers {
        /** scale · Kᵀ and scale · Vᵀ of the group's kv head, (dh, T): the B operands of S and dP. */
        final float[] kT, vT;
        final Tensor ds, p;
        final float[] kept;
        final int group, block;
        /** Where the current group's probabilities start in {@link #kept}. */
        long keptBase;

        Buffers(Geometry g, float[] kept, boolean backward) {
            int rows = g.group * g.block;
            this.kept = kept;
            this.group = g.group;
            this.block = g.block;
            kT = new float[g.headSize * g.time];
            vT = backward ? new float[g.headSize * g.time] : null;
            p = kept == null ? Tensor.zeros(rows * g.time) : null;
            ds = backward ? Tensor.zeros(rows * g.time) : null;   // the forward needs no dS scratch
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

        /** n rounded up to whole vectors, at most {@code limit}. */
        private static int wholeVectors(int n, int limit) {
            return Math.min(limit, (n + LANES - 1) / LANES * LANES);
        }

        /** Where position t of sequence b, head {@code head}, starts in a wide (batch·time, heads·dh) matrix. */
        private int at(Tensor wide, int b, int t, int head) {
            return wide.offset() + (b * time + t) * wide.cols() + head * headSize;
        }

        /**
         * Units of work over {@code threads}: every (sequence, kv head) group whole when there are at least as
         * many groups as threads, else each group split into as many slices of its query heads as it takes to
         * give every thread one (at most one head a slice).
         */
        int units(int threads) {
            int groups = batch * kvHeads;
            int slices = groups >= threads ? 1 : Math.min(group, (threads + groups - 1) / groups);
            return groups * slices;
        }

        /** The rows of kv head u.kvh of sequence u.b in a wide (batch·time, kvHeads·dh) gradient. */
        Rows kvRows(Tensor wide, Unit u) {
            return new Rows(wide.data(), at(wide, u.b(), 0, u.kvh()), wide.cols());
        }

        /** wide[kv head of each group] += the sum of its slices' parts, parts[group·slices + s] (T, dh). */
        void addParts(float[][] parts, int slices, Tensor wide) {
            Parallel.current().forRange(batch * kvHeads * time, time, (from, to) -> {
                for (int r = from; r < to; r++) {
                    int group = r / time, t = r % time;
                    int dst = at(wide, group / kvHeads, t, group % kvHeads);
                    for (int s = 0; s < slices; s++) {
                        float[] part = parts[group * slices + s];
                        for (int j = 0; j < headSize; j++) wide.data()[dst + j] += part[t * headSize + j];
                    }
                }
            });
        }

        /** dst (dh, T) = scale · (kv head u.kvh of sequence u.b)ᵀ, out of k or v (batch·time, kvHeads·dh). */
        void scaledTranspose(Tensor wide, Unit u, float[] dst) {
            float[] src = wide.data();
            for (int t = 0; t < time; t++) {
                int from = at(wide, u.b(), t, u.kvh());
                for (int j = 0; j < headSize; j++) dst[j * time + t] = scale * src[from + j];
            }
        }

        /**
         * C (R, t1) = rows [t0, t1) of the unit's query heads of {@code wide} (q or dO) · B[:, 0, t1), B (dh, T)
         * row-major: head hh's (bq, t1) product fills rows hh·bq of C.
         */
        void queriesTimes(Tensor wide, float[] bT, Tensor cb, Unit u, int t0) {
            int t1 = cb.cols(), bq = t1 - t0;
            for (int hh = u.h0(); hh < u.h1(); hh++) {
                HeadMatMul.ab(wide.data(), at(wide, u.b(), t0, u.kvh() * group + hh), wide.cols(), bT, 0, time,
                        cb.data(), cb.offset() + hh * bq * t1, t1, bq, headSize, t1, false);
            }
        }

        /**
         * wide[queries of block [t0, t1)] (+)= A · kv[0, t1) per head: A (R, t1) a block's P or dS, kv the unit's
         * kv head in k or v, wide the output or dQ; head hh reads rows hh·bq of A. A is 0 right of the diagonal,
         * so each strip of {@link #STRIP} query rows stops at its last row's key.
         */
        void headsTimesKv(Tensor ab, Tensor kv, Tensor wide, Unit u, int t0, boolean accumulate) {
            int t1 = ab.cols(), bq = t1 - t0;
            for (int hh = u.h0(); hh < u.h1(); hh++) {
                int head = u.kvh() * group + hh;
                for (int r0 = 0; r0 < bq; r0 += STRIP) {
                    int r1 = Math.min(bq, r0 + STRIP);
                    HeadMatMul.ab(ab.data(), ab.offset() + (hh * bq + r0) * t1, t1, kv.data(), at(kv, u.b(), 0, u.kvh()), kv.cols(),
                            wide.data(), at(wide, u.b(), t0 + r0, head), wide.cols(), r1 - r0, t0 + r1, headSize, accumulate);
                }
            }
        }

        /**
         * to[positions 0, t1)] += Σ over the unit's heads of A_hhᵀ · queries_hh: A (R, t1) a block's P or dS,
         * queries the block's rows of dO or q (wide); dV and dK without any transpose. The keys before the block
         * meet every query row; a strip of the block's own keys from r0 on only the rows from r0 (A is 0 above
         * the diagonal).
         */
        void headsTransposedTimesQueries(Tensor ab, Tensor queries, Rows to, Unit u, int t0) {
            int t1 = ab.cols(), bq = t1 - t0;
            for (int hh = u.h0(); hh < u.h1(); hh++) {
                int rows = ab.offset() + hh * bq * t1, head = u.kvh() * group + hh;
                HeadMatMul.aTb(ab.data(), rows, t1, queries.data(), at(queries, u.b(), t0, head), queries.cols(),
                        to.data(), to.offset(), to.stride(), t0, bq, headSize, true);
                for (int r0 = 0; r0 < bq; r0 += STRIP) {
                    int r1 = Math.min(bq, r0 + STRIP);
                    HeadMatMul.aTb(ab.data(), rows + r0 * t1 + t0 + r0, t1, queries.data(), at(queries, u.b(), t0 + r0, head), queries.cols(),
                            to.data(), to.offset() + (t0 + r0) * to.stride(), to.stride(), r1 - r0, bq - r0, headSize, true);
                }
            }
        }

        /**
         * P (R, t1) = masked softmax of Q·(scale·K[0, t1)ᵀ) for the block [t0, t1) of sequence b. Query t sees
         * keys [0, t] that are not padding; the rest of its row is 0, and a padding query's whole row is 0.
         */
        void probabilities(Tensor q, float[] kT, Tensor pb, Unit u, int t0, boolean[] valid) {
            queriesTimes(q, kT, pb, u, t0);                              // S = Q · K[0, t1)ᵀ · scale
            int t1 = pb.cols(), bq = t1 - t0;
            boolean padded = false;
            for (int j = 0; j < t1; j++) padded |= !valid[u.b() * time + j];
            float[] p = pb.data();
            for (int hh = u.h0(); hh < u.h1(); hh++) {
                for (int t = t0; t < t1; t++) {
                    int row = pb.offset() + (hh * bq + t - t0) * t1;
                    if (!valid[u.b() * time + t]) {
                        Arrays.fill(p, row, row + t1, 0f);
                        continue;
                    }
                    if (padded) {
                        // −∞ for padding keys; the query itself is valid, so the row's max stays finite.
                        for (int j = 0; j <= t; j++) if (!valid[u.b() * time + j]) p[row + j] = Float.NEGATIVE_INFINITY;
                    }
                    // The masked keys up to the next whole vector join the softmax as −∞ (e^−∞ = 0): no scalar
                    // tail, and they come out as the zeros the mask wants.
                    int len = wholeVectors(t + 1, t1);
                    Arrays.fill(p, row + t + 1, row + len, Float.NEGATIVE_INFINITY);
                    Softmax.inPlace(p, row, len);
                    Arrays.fill(p, row + len, row + t1, 0f);
                }
            }
        }

        /**
         * dS = P ⊙ (dP − Σ dP ⊙ P) for the block [t0, t1), in place in dsb (which holds dP, already scaled
         * through scale·Vᵀ); 0 wherever P is masked.
         */
        void softmaxBackward(Tensor pb, Tensor dsb, Unit u, int t0, boolean[] valid) {
            int t1 = pb.cols(), bq = t1 - t0;
            float[] p = pb.data(), ds = dsb.data();
            for (int hh = u.h0(); hh < u.h1(); hh++) {
                for (int t = t0; t < t1; t++) {
                    int row = (hh * bq + t - t0) * t1;
                    if (!valid[u.b() * time + t]) {
                        Arrays.fill(ds, dsb.offset() + row, dsb.offset() + row + t1, 0f);
                        continue;
                    }
                    // Up to the next whole vector: P is 0 there, so dS is too, and no scalar tail runs.
                    int len = wholeVectors(t + 1, t1);
                    Softmax.backward(p, pb.offset() + row, ds, dsb.offset() + row, ds, dsb.offset() + row, len, false);
                    Arrays.fill(ds, dsb.offset() + row + len, dsb.offset() + row + t1, 0f);
                }
            }
        }
    }
}
