package org.sparselora4j.sparse;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.models.format.LoadedModel;
import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** The shared stories260K checkpoint with real text batches, and small constructed models. */
final class SparseFixtures {
    private SparseFixtures() {
    }

    /** {@code ../shared/NAME}, or a skipped test with the reason printed. */
    static Path shared(String relative) {
        Path p = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve(relative);
        if (!Files.exists(p)) {
            String reason = "skipped: shared test data " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }

    /** stories260K (dim 64, hidden 172, 5 layers, 8 heads over 4 kv heads) with its tok512 tokenizer. */
    static LoadedModel stories() {
        Path model = shared("models/stories260K.bin");
        Path tokenizer = shared("models/tok512.bin");
        try {
            return ModelFiles.load(model, Optional.of(tokenizer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test resource of short children's stories followed by the model's golden greedy text. */
    static String storyText() {
        try (InputStream in = SparseFixtures.class.getResourceAsStream("/tiny-stories-sample.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Path golden = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve("golden/stories260K-greedy-text.txt");
            if (Files.exists(golden)) {
                for (String line : Files.readAllLines(golden)) {
                    if (!line.startsWith("==")) text += "\n" + line;
                }
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code batch} full rows of {@code seq} consecutive tokens of the story text (BOS first), no padding. */
    static TokenBatch textBatch(Tokenizer tokenizer, int batch, int seq) {
        int[] all = tokenizer.encode(storyText(), true, false);
        if (all.length < batch * seq) throw new IllegalStateException("story text has " + all.length + " tokens, need " + batch * seq);
        int[] tokens = Arrays.copyOf(all, batch * seq);
        int[] targets = new int[tokens.length];
        Arrays.fill(targets, -1);
        int[] lengths = new int[batch];
        Arrays.fill(lengths, seq);
        return new TokenBatch(batch, seq, tokens, targets, lengths);
    }

    /**
     * One row per paragraph of the story text (each from BOS, as fine-tuning examples are), cut to {@code seq}
     * tokens and right-padded with id 0 where shorter: at most {@code batch} rows.
     */
    static TokenBatch paragraphBatch(Tokenizer tokenizer, int batch, int seq) {
        List<int[]> rows = new ArrayList<>();
        for (String p : storyText().split("\n\\s*\n|\n")) {
            if (p.isBlank() || rows.size() == batch) continue;
            rows.add(tokenizer.encode(p.strip(), true, false));
        }
        int b = rows.size();
        int[] tokens = new int[b * seq];
        int[] targets = new int[b * seq];
        Arrays.fill(targets, -1);
        int[] lengths = new int[b];
        for (int r = 0; r < b; r++) {
            int[] t = rows.get(r);
            lengths[r] = Math.min(seq, t.length);
            System.arraycopy(t, 0, tokens, r * seq, lengths[r]);
        }
        return new TokenBatch(b, seq, tokens, targets, lengths);
    }

    /** A batch of random ids with one row padded, for shapes only. */
    static TokenBatch randomBatch(LlamaConfig c, int batch, int seq, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[batch * seq];
        int[] targets = new int[tokens.length];
        Arrays.fill(targets, -1);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = b == batch - 1 ? Math.max(1, seq / 2) : seq;
            for (int t = 0; t < lengths[b]; t++) tokens[b * seq + t] = random.nextInt(c.vocabSize());
        }
        return new TokenBatch(batch, seq, tokens, targets, lengths);
    }

    /** dim 32, ffn 48, 2 layers, 8 heads over {@code kvHeads}, vocab 40, context 32. */
    static LlamaConfig smallConfig(int kvHeads) {
        return new LlamaConfig(32, 48, 2, 8, kvHeads, 40, 32, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
    }

    /**
     * Random weights in which every matrix the estimator factors (gate, up, wq, wk, wv) has rank at most
     * {@code rank}, so that rank-{@code rank} factors reproduce them exactly.
     */
    static LlamaWeights lowRank(LlamaConfig c, int rank, long seed) {
        LlamaWeights w = LlamaInit.random(c, seed, 0.3f);
        SplittableRandom random = new SplittableRandom(seed + 7);
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            layers.add(new LayerWeights(l.attnNorm(), product(random, c.dim(), c.dim(), rank), product(random, c.kvDim(), c.dim(), rank),
                    product(random, c.kvDim(), c.dim(), rank), l.wo(), l.ffnNorm(), product(random, c.hiddenDim(), c.dim(), rank),
                    product(random, c.hiddenDim(), c.dim(), rank), l.down()));
        }
        return new LlamaWeights(c, w.tokenEmbedding(), layers, w.finalNorm(), w.classifier());
    }

    private static Tensor product(SplittableRandom random, int out, int in, int rank) {
        return MatMul.ab(Tensor.randn(random, 0.5f, out, rank), Tensor.randn(random, 0.5f / (float) Math.sqrt(rank), rank, in));
    }
}
