package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** Tiny random models, random calibration, and the shared stories260K checkpoint (skipped with a reason when absent). */
final class LosaFixtures {
    private LosaFixtures() {
    }

    /** dim 16, 2 layers, 4 heads over 2 kv heads, ffn 24, vocab 32, context 16. */
    static LlamaConfig tinyConfig(int layers) {
        return new LlamaConfig(16, 24, layers, 4, 2, 32, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
    }

    static LlamaWeights tiny(int layers, long seed) {
        return LlamaInit.random(tinyConfig(layers), seed, 0.3f);
    }

    /** {@code n} random sequences of {@code length} ids below {@code vocab}, starting with BOS (1). */
    static List<int[]> randomSequences(int n, int length, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] s = new int[length];
            s[0] = 1;
            for (int t = 1; t < length; t++) s[t] = random.nextInt(vocab);
            out.add(s);
        }
        return out;
    }

    static Path shared(String relative) {
        Path p = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve(relative);
        if (!Files.exists(p)) {
            String reason = "skipped: shared test data " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }

    static LlamaWeights stories260K() throws IOException {
        return ModelFiles.load(shared("models/stories260K.bin"), Optional.empty()).weights();
    }

    static Tokenizer tok512(int vocab) throws IOException {
        return ModelFiles.loadTokenizer(shared("models/tok512.bin"), vocab);
    }

    /** The golden greedy text's lines (prompt markers dropped). */
    static String goldenText() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(shared("golden/stories260K-greedy-text.txt"))) {
            if (!line.startsWith("== prompt:")) sb.append(line).append('\n');
        }
        return sb.toString();
    }
}
