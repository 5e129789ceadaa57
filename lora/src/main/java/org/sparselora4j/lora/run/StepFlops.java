package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.AttentionOps;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;

import java.util.Set;

/**
 * Analytic floating-point operations of one training forward and backward pass (model FLOPs: a multiply-add is
 * 2). What is counted, over n = batch·seqLen rows (padding included, since the kernels compute it):
 * <ul>
 * <li>a projection in → out: forward 2·n·in·out; input gradient 2·n·in·out when its input needs a gradient;
 * weight gradient 2·n·in·out only when the weight trains;</li>
 * <li>a LoRA branch of rank r: forward x·Aᵀ 2·n·in·r and ·Bᵀ 2·n·r·out; backward dB 2·n·r·out, du = dz·B
 * 2·n·out·r, dA 2·n·r·in, and dx = du·A 2·n·r·in when the input needs a gradient;</li>
 * <li>attention: the causal half of the T×T score matrix as the kernel computes it, pairs =
 * {@link AttentionOps#scoredPairs}(T): blocks of 64 query positions each against the keys up to the block's
 * last position, about T·(T + 64)/2 (T² when T ≤ 64, 0.56·T² at T = 512); per layer and sequence S = Q·Kᵀ and
 * O = P·V, 2·heads·pairs·headSize each; backward dV = Pᵀ·dO, dP = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q, the same each.
 * The backward's recomputation of P is not counted (model FLOPs, not executed FLOPs);</li>
 * <li>the classifier only at labelled rows: 2·labels·dim·vocab forward, the same for its input gradient, and
 * for its weight gradient when it trains; the last block's FFN too runs on the labelled rows only, dense.</li>
 * </ul>
 * Ignored, being O(n·dim) against the O(n·dim²) above: norms, RoPE, SwiGLU, softmax, cross-entropy, residual
 * adds, the LoRA scale, embedding gather and scatter, and the optimizer.
 *
 * <p>Which inputs need a gradient follows autograd: the residual stream needs one once something before it
 * trains, so with a frozen embedding (LoRA) layer 0's q, k and v projections compute no input gradient.
 */
public final class StepFlops {
    private StepFlops() {
    }

    /** Forward and backward FLOPs of one pass; {@link #total()} is what a step costs. */
    public record Count(double forward, double backward) {
        public double total() {
            return forward + backward;
        }

        public Count plus(Count o) {
            return new Count(forward + o.forward, backward + o.backward);
        }
    }

    /** Full fine-tuning: every weight trains, embedding and classifier included. */
    public static Count fullFineTuning(LlamaConfig c, TokenBatch batch) {
        return count(c, batch.batchSize(), batch.seqLen(), batch.labelCount(), true, 0, Set.of());
    }

    /** LoRA: frozen base, a rank-r branch on each targeted projection; embedding, norms, classifier frozen. */
    public static Count lora(LlamaConfig c, LoraConfig lora, TokenBatch batch) {
        return count(c, batch.batchSize(), batch.seqLen(), batch.labelCount(), false, lora.rank(), lora.targets());
    }

    /**
     * Where a frozen projection's base runs on a subset of its channels for some rows (SparseLoRA's gathered
     * matmuls): q, k, v, gate and up keep {@code kept} output rows of W, o and down {@code kept} input columns.
     * The LoRA branch stays dense on all rows.
     */
    public interface SparseBase {
        /** Every base dense. */
        SparseBase DENSE = new SparseBase() {
            @Override
            public long sparseRows(int layer, Target target) {
                return 0;
            }

            @Override
            public int kept(int layer, Target target) {
                throw new IllegalStateException("a dense base keeps every channel");
            }

            @Override
            public boolean sparseInputGrad(int layer, Target target) {
                return true;
            }
        };

        /** Rows whose base of {@code target} in {@code layer} runs on gathered channels (0: all dense). */
        long sparseRows(int layer, Target target);

        /** Channels kept on the gathered side of the weight in those rows. */
        int kept(int layer, Target target);

        /** Whether those rows' base computes an input gradient (false where it is detached). */
        boolean sparseInputGrad(int layer, Target target);
    }

    /**
     * The general count: {@code trainsAll} for full fine-tuning; otherwise a frozen model with LoRA of
     * {@code rank} on {@code loraTargets} (rank 0 and no targets: nothing trains, forward only matters).
     */
    public static Count count(LlamaConfig c, int batch, int seqLen, int labels, boolean trainsAll, int rank, Set<Target> loraTargets) {
        return count(c, batch, seqLen, labels, trainsAll, rank, loraTargets, SparseBase.DENSE);
    }

    /** {@link #count(LlamaConfig, int, int, int, boolean, int, Set)} with the frozen bases computed as {@code sparse} says. */
    public static Count count(LlamaConfig c, int batch, int seqLen, int labels, boolean trainsAll, int rank, Set<Target> loraTargets,
                              SparseBase sparse) {
        long n = (long) batch * seqLen;
        int dim = c.dim(), kv = c.kvDim(), hidden = c.hiddenDim();
        Count total = new Count(0, 0);
        boolean stream = trainsAll; // the residual stream needs a gradient
        for (int layer = 0; layer < c.layers(); layer++) {
            boolean q = stream || trainsAll || loraTargets.contains(Target.Q);
            boolean k = stream || trainsAll || loraTargets.contains(Target.K);
            boolean v = stream || trainsAll || loraTargets.contains(Target.V);
            total = total.plus(projection(n, dim, dim, stream, trainsAll, loraRank(rank, loraTargets, Target.Q), sparse, layer, Target.Q));
            total = total.plus(projection(n, dim, kv, stream, trainsAll, loraRank(rank, loraTargets, Target.K), sparse, layer, Target.K));
            total = total.plus(projection(n, dim, kv, stream, trainsAll, loraRank(rank, loraTargets, Target.V), sparse, layer, Target.V));
            total = total.plus(attention(batch, seqLen, c.heads(), c.headSize(), q || k, v));
            boolean attended = q || k || v;
            total = total.plus(projection(n, dim, dim, attended, trainsAll, loraRank(rank, loraTargets, Target.O), sparse, layer, Target.O));
            stream = stream || attended || loraTargets.contains(Target.O);
            boolean gate = stream || trainsAll || loraTargets.contains(Target.GATE);
            boolean up = stream || trainsAll || loraTargets.contains(Target.UP);
            // The last block's FFN runs on the labelled rows only (LlamaModel's row cut), and there dense.
            boolean cut = layer == c.layers() - 1 && labels < n;
            long nf = cut ? labels : n;
            SparseBase ffn = cut ? SparseBase.DENSE : sparse;
            total = total.plus(projection(nf, dim, hidden, stream, trainsAll, loraRank(rank, loraTargets, Target.GATE), ffn, layer, Target.GATE));
            total = total.plus(projection(nf, dim, hidden, stream, trainsAll, loraRank(rank, loraTargets, Target.UP), ffn, layer, Target.UP));
            total = total.plus(projection(nf, hidden, dim, gate || up, trainsAll, loraRank(rank, loraTargets, Target.DOWN), ffn, layer, Target.DOWN));
            stream = stream || gate || up || loraTargets.contains(Target.DOWN);
        }
        return total.plus(projection(labels, dim, c.vocabSize(), stream, trainsAll, 0));
    }

    private static int loraRank(int rank, Set<Target> targets, Target t) {
        return targets.contains(t) ? rank : 0;
    }

    /**
     * One projection in → out over n rows, with a LoRA branch of {@code rank} (0 for none). {@code inputGrad}: the
     * input needs a gradient; {@code trainsWeight}: the base weight gets one.
     */
    public static Count projection(long n, int in, int out, boolean inputGrad, boolean trainsWeight, int rank) {
        double mac = 2.0 * n * in * out;
        Count base = new Count(mac, (inputGrad ? mac : 0) + (trainsWeight ? mac : 0));
        return base.plus(loraBranch(n, in, out, inputGrad, rank));
    }

    /** A LoRA branch of {@code rank} (0: none) on a projection in → out over n rows. */
    public static Count loraBranch(long n, int in, int out, boolean inputGrad, int rank) {
        if (rank == 0) return new Count(0, 0);
        double down = 2.0 * n * in * rank;  // x·Aᵀ, and each of dA and dx = du·A
        double up = 2.0 * n * rank * out;   // u·Bᵀ, and each of dB and du = dz·B
        return new Count(down + up, 2 * up + down + (inputGrad ? down : 0));
    }

    /** One projection of a layer whose base may run gathered on some rows; its LoRA branch is dense on all rows. */
    private static Count projection(long n, int in, int out, boolean inputGrad, boolean trainsWeight, int rank,
                                    SparseBase sparse, int layer, Target target) {
        long ns = sparse.sparseRows(layer, target);
        if (ns == 0) return projection(n, in, out, inputGrad, trainsWeight, rank);
        int kept = sparse.kept(layer, target);
        boolean outputSliced = target != Target.O && target != Target.DOWN;
        Count dense = projection(n - ns, in, out, inputGrad, trainsWeight, 0);
        Count gathered = projection(ns, outputSliced ? in : kept, outputSliced ? kept : out,
                inputGrad && sparse.sparseInputGrad(layer, target), trainsWeight, 0);
        return dense.plus(gathered).plus(loraBranch(n, in, out, inputGrad, rank));
    }

    /**
     * Attention of one layer over {@code batch} sequences of T positions, on the causal blocks the kernel
     * computes ({@link AttentionOps#scoredPairs}): forward Q·Kᵀ and P·V; backward dV when v needs a gradient,
     * and dP, dQ, dK when q or k does.
     */
    public static Count attention(int batch, int seqLen, int heads, int headSize, boolean qkGrad, boolean vGrad) {
        double unit = 2.0 * batch * heads * (double) AttentionOps.scoredPairs(seqLen) * headSize;
        return new Count(2 * unit, (vGrad ? unit : 0) + (qkGrad ? 3 * unit : 0));
    }
}
