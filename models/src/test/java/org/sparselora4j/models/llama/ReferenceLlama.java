package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

/**
 * A plain, one-token-at-a-time LLaMA forward written as llama2.c's run.c does it, with loops instead of kernels:
 * the independent reference that {@link LlamaInference} is tested against on random models.
 */
final class ReferenceLlama {
    private ReferenceLlama() {
    }

    /** Logits (n, vocab) of every position of {@code tokens}. */
    static float[][] logits(LlamaWeights w, int[] tokens) {
        LlamaConfig c = w.config();
        int n = tokens.length, dim = c.dim(), hs = c.headSize(), kvDim = c.kvDim(), group = c.groupSize();
        float[][][] keyCache = new float[c.layers()][n][];
        float[][][] valueCache = new float[c.layers()][n][];
        float[][] out = new float[n][];
        for (int pos = 0; pos < n; pos++) {
            float[] x = w.tokenEmbedding().row(tokens[pos]).toArray();
            for (int l = 0; l < c.layers(); l++) {
                LayerWeights lw = w.layers().get(l);
                float[] xb = rmsnorm(x, lw.attnNorm(), c.normEps());
                float[] q = matvec(lw.wq(), xb);
                float[] k = matvec(lw.wk(), xb);
                float[] v = matvec(lw.wv(), xb);
                rope(q, pos, hs, c.ropeTheta(), c.ropeStyle());
                rope(k, pos, hs, c.ropeTheta(), c.ropeStyle());
                keyCache[l][pos] = k;
                valueCache[l][pos] = v;
                float[] heads = new float[dim];
                for (int h = 0; h < c.heads(); h++) {
                    int kvOff = (h / group) * hs;
                    float[] att = new float[pos + 1];
                    float max = Float.NEGATIVE_INFINITY;
                    for (int t = 0; t <= pos; t++) {
                        float s = 0;
                        for (int i = 0; i < hs; i++) s += q[h * hs + i] * keyCache[l][t][kvOff + i];
                        att[t] = s / (float) Math.sqrt(hs);
                        max = Math.max(max, att[t]);
                    }
                    float sum = 0;
                    for (int t = 0; t <= pos; t++) {
                        att[t] = (float) Math.exp(att[t] - max);
                        sum += att[t];
                    }
                    for (int t = 0; t <= pos; t++) {
                        for (int i = 0; i < hs; i++) heads[h * hs + i] += att[t] / sum * valueCache[l][t][kvOff + i];
                    }
                }
                add(x, matvec(lw.wo(), heads));
                xb = rmsnorm(x, lw.ffnNorm(), c.normEps());
                float[] gate = matvec(lw.gate(), xb);
                float[] up = matvec(lw.up(), xb);
                for (int i = 0; i < gate.length; i++) gate[i] = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
                add(x, matvec(lw.down(), gate));
            }
            out[pos] = matvec(w.classifier(), rmsnorm(x, w.finalNorm(), c.normEps()));
        }
        assert kvDim == keyCache[0][0].length;
        return out;
    }

    private static float[] rmsnorm(float[] x, Tensor weight, float eps) {
        float ss = 0;
        for (float v : x) ss += v * v;
        float inv = (float) (1 / Math.sqrt(ss / x.length + eps));
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * inv * weight.get(i);
        return out;
    }

    private static float[] matvec(Tensor w, float[] x) {
        float[] out = new float[w.rows()];
        for (int o = 0; o < w.rows(); o++) {
            float s = 0;
            for (int i = 0; i < x.length; i++) s += w.get(o, i) * x[i];
            out[o] = s;
        }
        return out;
    }

    private static void rope(float[] x, int pos, int hs, double theta, Rope.Style style) {
        int half = hs / 2;
        for (int h = 0; h < x.length; h += hs) {
            for (int i = 0; i < half; i++) {
                double angle = pos / Math.pow(theta, 2.0 * i / hs);
                float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
                int a = style == Rope.Style.INTERLEAVED ? h + 2 * i : h + i;
                int b = style == Rope.Style.INTERLEAVED ? h + 2 * i + 1 : h + i + half;
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos - x1 * sin;
                x[b] = x0 * sin + x1 * cos;
            }
        }
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }
}
