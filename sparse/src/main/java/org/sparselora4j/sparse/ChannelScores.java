package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.Reduce;

import java.util.Arrays;

/** The per-channel statistics the predictors rank by: column L2 norms, directly or through a Gram matrix. */
final class ChannelScores {
    private ChannelScores() {
    }

    /** ||y[:, c]||₂ for each column c of y (n, d). */
    static float[] columnNorms(Tensor y) {
        double[] sum = new double[y.cols()];
        addColumnSquares(y, sum);
        return sqrt(sum);
    }

    /**
     * sum[c] += Σ_i y[i, c]² for each column c of y (n, d): column norms accumulated over row blocks, each block's
     * sums in float on the SIMD kernel ({@link Reduce#addColumnSquares}), the blocks' sums in double.
     */
    static void addColumnSquares(Tensor y, double[] sum) {
        int d = y.cols();
        if (sum.length != d) throw new IllegalArgumentException("column sums of length " + sum.length + " for " + d + " columns");
        float[] block = new float[d];
        for (int from = 0; from < y.rows(); from += ROWS_PER_FLOAT_SUM) {
            Arrays.fill(block, 0f);
            Reduce.addColumnSquares(y.rows(from, Math.min(y.rows(), from + ROWS_PER_FLOAT_SUM)), block);
            for (int c = 0; c < d; c++) sum[c] += block[c];
        }
    }

    /** Rows summed in float before the sums go into double: float's rounding stays near 1e-5 relative. */
    private static final int ROWS_PER_FLOAT_SUM = 256;

    /** √sum[c] as floats: the norms from summed squares. */
    static float[] sqrt(double[] sum) {
        float[] norms = new float[sum.length];
        for (int c = 0; c < sum.length; c++) norms[c] = (float) Math.sqrt(sum[c]);
        return norms;
    }

    /**
     * ||P·B[:, c]||₂ for each column c of b (r, d), given the Gram matrix g = Pᵀ·P (r, r) of some P (n, r):
     * ||P·b_c||² = b_cᵀ·G·b_c, so the norms of an (n, d) product cost r²·d instead of n·r·d.
     */
    static float[] normsFromGram(double[][] g, Tensor b) {
        int r = b.rows();
        int d = b.cols();
        float[] bd = b.data();
        int off = b.offset();
        double[] sum = new double[d];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                double gij = g[i][j];
                int ri = off + i * d;
                int rj = off + j * d;
                for (int c = 0; c < d; c++) sum[c] += gij * bd[ri + c] * bd[rj + c];
            }
        }
        float[] norms = new float[d];
        for (int c = 0; c < d; c++) norms[c] = (float) Math.sqrt(Math.max(0, sum[c]));
        return norms;
    }

    /** The Gram matrix pᵀ·p of p (n, r), in double. */
    static double[][] gram(Tensor p) {
        Tensor g = MatMul.aTb(p, p);
        int r = p.cols();
        double[][] out = new double[r][r];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) out[i][j] = g.get(i, j);
        }
        return out;
    }

    /** The diagonal block [from, from+r)² of a Gram matrix. */
    static double[][] block(double[][] g, int from, int r) {
        double[][] out = new double[r][r];
        for (int i = 0; i < r; i++) System.arraycopy(g[from + i], from, out[i], 0, r);
        return out;
    }

    /** The mean over each sample's seqLen positions (padding included, as the reference scores it): (B, dim). */
    static Tensor sequenceMean(Tensor x, TokenBatch batch) {
        int b = batch.batchSize();
        int t = batch.seqLen();
        int dim = x.cols();
        Tensor mean = Tensor.zeros(b, dim);
        float[] xd = x.data();
        float[] md = mean.data();
        for (int s = 0; s < b; s++) {
            double[] sum = new double[dim];
            for (int p = 0; p < t; p++) {
                int row = x.offset() + (s * t + p) * dim;
                for (int c = 0; c < dim; c++) sum[c] += xd[row + c];
            }
            for (int c = 0; c < dim; c++) md[s * dim + c] = (float) (sum[c] / t);
        }
        return mean;
    }

    /** Throws unless x is the (B·T, dim) input of the batch. */
    static void checkInput(Tensor x, TokenBatch batch, int dim) {
        if (x.rank() != 2 || x.rows() != batch.rows() || x.cols() != dim) {
            throw new IllegalArgumentException("predictor input has shape " + x.shape() + ", expected [" + batch.rows() + ", " + dim
                    + "] for a batch of " + batch.batchSize() + " x " + batch.seqLen());
        }
    }
}
