package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Karpathy's llama2.c legacy checkpoint: a header of 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len; a negative vocab_size means the classifier is stored separately), then float32
 * weights, each (out, in) row-major, grouped by kind over all layers: token_embedding, rms_att, wq, wk, wv, wo,
 * rms_ffn, w1 (gate), w2 (down), w3 (up), rms_final, two unused RoPE tables of seq_len·headSize/2 floats, and
 * wcls when not shared. RoPE is interleaved, theta 10000, RMSNorm epsilon 1e-5.
 */
public final class Llama2cCheckpoint {
    /** Bytes of the header. */
    static final int HEADER_BYTES = 7 * 4;
    /** RMSNorm epsilon of every llama2.c model (run.c hard-codes it). */
    static final float NORM_EPS = 1e-5f;
    static final double ROPE_THETA = 10000.0;

    private Llama2cCheckpoint() {
    }

    /** Reads the weights of a llama2.c checkpoint; the file's length must be exactly what its header implies. */
    public static LlamaWeights load(Path path) throws IOException {
        try (MappedFile file = MappedFile.open(path)) {
            return read(file);
        }
    }

    /**
     * Whether the first bytes could be a llama2.c header: seven ints, all positive but vocab_size (non-zero; its
     * sign says whether the classifier is shared), heads dividing dim into even head sizes, kv heads dividing heads.
     * Text and other formats fail this; whether the sizes match the file is for {@link #load} to report.
     */
    static boolean looksLike(MappedFile file) {
        if (file.size() < HEADER_BYTES) return false;
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) h[i] = file.segment().get(MappedFile.INT, 4L * i);
        for (int i = 0; i < 7; i++) {
            if (i == 5 ? h[i] == 0 : h[i] <= 0) return false;
        }
        int dim = h[0], heads = h[3], kvHeads = h[4];
        return dim % heads == 0 && (dim / heads) % 2 == 0 && heads % kvHeads == 0;
    }

    static LlamaWeights read(MappedFile file) throws IOException {
        if (file.size() < HEADER_BYTES) {
            throw file.error("truncated: " + file.size() + " bytes is shorter than the 28-byte llama2.c header");
        }
        int dim = file.readInt(0, "dim");
        int hiddenDim = file.readInt(4, "hidden_dim");
        int layers = file.readInt(8, "n_layers");
        int heads = file.readInt(12, "n_heads");
        int kvHeads = file.readInt(16, "n_kv_heads");
        int vocabField = file.readInt(20, "vocab_size");
        int seqLen = file.readInt(24, "seq_len");
        boolean shared = vocabField > 0;
        if (vocabField == 0 || vocabField == Integer.MIN_VALUE) throw file.error("bad llama2.c header: vocab_size " + vocabField);
        int vocab = Math.abs(vocabField);
        positive(file, "dim", dim);
        positive(file, "hidden_dim", hiddenDim);
        positive(file, "n_layers", layers);
        positive(file, "n_heads", heads);
        positive(file, "n_kv_heads", kvHeads);
        positive(file, "seq_len", seqLen);
        if (dim % heads != 0) throw file.error("bad llama2.c header: dim " + dim + " is not a multiple of n_heads " + heads);
        if (heads % kvHeads != 0) throw file.error("bad llama2.c header: n_heads " + heads + " is not a multiple of n_kv_heads " + kvHeads);
        int headSize = dim / heads;
        if (headSize % 2 != 0) throw file.error("bad llama2.c header: head size " + headSize + " is odd");
        long kvDim = (long) kvHeads * headSize;

        long expected;
        try {
            long floats = 0;
            floats = Math.addExact(floats, Math.multiplyExact((long) vocab, dim));            // token embedding
            long perLayer = 0;
            perLayer = Math.addExact(perLayer, 2L * dim);                                      // rms_att, rms_ffn
            perLayer = Math.addExact(perLayer, Math.multiplyExact(2L * dim, (long) dim));     // wq, wo
            perLayer = Math.addExact(perLayer, Math.multiplyExact(2L * kvDim, (long) dim));   // wk, wv
            perLayer = Math.addExact(perLayer, Math.multiplyExact(3L * hiddenDim, (long) dim)); // w1, w2, w3
            floats = Math.addExact(floats, Math.multiplyExact(perLayer, (long) layers));
            floats = Math.addExact(floats, dim);                                               // rms_final
            floats = Math.addExact(floats, Math.multiplyExact((long) seqLen, headSize));     // freq_cis real + imag
            if (!shared) floats = Math.addExact(floats, Math.multiplyExact((long) vocab, dim));
            expected = Math.addExact(HEADER_BYTES, Math.multiplyExact(floats, 4L));
        } catch (ArithmeticException e) {
            throw file.error("bad llama2.c header: the sizes it gives overflow a 64-bit byte count");
        }
        if (expected != file.size()) {
            throw file.error("the llama2.c header (dim " + dim + ", hidden " + hiddenDim + ", layers " + layers + ", heads "
                    + heads + ", kv heads " + kvHeads + ", vocab " + vocabField + ", seq_len " + seqLen + ") implies "
                    + expected + " bytes but the file has " + file.size()
                    + (expected > file.size() ? " (truncated?)" : " (trailing data or wrong header)"));
        }
        long largest = Math.max((long) vocab * dim, Math.max((long) hiddenDim * dim, (long) dim * dim));
        if (largest > Integer.MAX_VALUE - 8) {
            throw file.error("a tensor of " + largest + " floats is larger than this engine's 2^31-element limit");
        }
        LlamaConfig config = new LlamaConfig(dim, hiddenDim, layers, heads, kvHeads, vocab, seqLen,
                ROPE_THETA, Rope.Style.INTERLEAVED, NORM_EPS, shared);

        Cursor c = new Cursor(file, HEADER_BYTES);
        Tensor embedding = c.next("token_embedding", vocab, dim);
        List<Tensor> attnNorm = c.perLayer("rms_att", layers, dim);
        List<Tensor> wq = c.perLayer("wq", layers, dim, dim);
        List<Tensor> wk = c.perLayer("wk", layers, (int) kvDim, dim);
        List<Tensor> wv = c.perLayer("wv", layers, (int) kvDim, dim);
        List<Tensor> wo = c.perLayer("wo", layers, dim, dim);
        List<Tensor> ffnNorm = c.perLayer("rms_ffn", layers, dim);
        List<Tensor> gate = c.perLayer("w1", layers, hiddenDim, dim);
        List<Tensor> down = c.perLayer("w2", layers, dim, hiddenDim);
        List<Tensor> up = c.perLayer("w3", layers, hiddenDim, dim);
        Tensor finalNorm = c.next("rms_final", dim);
        c.skip(4L * seqLen * headSize);
        Tensor classifier = shared ? embedding : c.next("wcls", vocab, dim);

        List<LayerWeights> blocks = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            blocks.add(new LayerWeights(attnNorm.get(l), wq.get(l), wk.get(l), wv.get(l), wo.get(l),
                    ffnNorm.get(l), gate.get(l), up.get(l), down.get(l)));
        }
        return new LlamaWeights(config, embedding, blocks, finalNorm, classifier);
    }

    private static void positive(MappedFile file, String name, int value) throws ModelFormatException {
        if (value <= 0) throw file.error("bad llama2.c header: " + name + " " + value + " is not positive");
    }

    /** Reads consecutive float32 tensors from a position that advances. */
    private static final class Cursor {
        private final MappedFile file;
        private long offset;

        Cursor(MappedFile file, long offset) {
            this.file = file;
            this.offset = offset;
        }

        Tensor next(String what, int... dims) throws ModelFormatException {
            long count = 1;
            for (int d : dims) count *= d;
            Tensor t = Tensor.of(file.readFloats(offset, (int) count, what), dims);
            offset += 4 * count;
            return t;
        }

        List<Tensor> perLayer(String what, int layers, int... dims) throws ModelFormatException {
            List<Tensor> out = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) out.add(next(what + " of layer " + l, dims));
            return out;
        }

        void skip(long bytes) {
            offset += bytes;
        }
    }
}
