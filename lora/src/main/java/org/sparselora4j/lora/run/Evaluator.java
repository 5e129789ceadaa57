package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.CrossEntropy;
import org.sparselora4j.tensor.kernel.Reduce;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validation metrics over labelled positions, without building a graph: mean cross-entropy (loss), perplexity
 * (exp of it), token accuracy (argmax equals the target), and task accuracy: the fraction of examples whose every
 * labelled token is the argmax given the true prefix, which is exactly "greedy decoding reproduces the answer".
 */
public final class Evaluator {
    /** The metrics of one evaluation. */
    public record Result(double loss, double perplexity, double tokenAccuracy, double accuracy, int examples, int labels) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", loss);
            m.put("perplexity", perplexity);
            m.put("token_accuracy", tokenAccuracy);
            m.put("accuracy", accuracy);
            m.put("examples", examples);
            m.put("labels", labels);
            return m;
        }
    }

    private Evaluator() {
    }

    public static Result evaluate(LlamaModel model, List<TokenBatch> batches, long step) {
        return Tape.noGrad(() -> {
            double lossSum = 0;
            int labels = 0, correctTokens = 0, examples = 0, correctExamples = 0;
            for (TokenBatch batch : batches) {
                int[] rows = batch.labelRows();
                if (rows.length == 0) continue;
                int[] targets = new int[rows.length];
                for (int i = 0; i < rows.length; i++) targets[i] = batch.targets()[rows[i]];
                Var logits = model.logits(batch, step, rows); // the last block's FFN on the labelled rows only
                Tensor l = logits.value();
                lossSum += CrossEntropy.lossSum(l, targets);
                boolean[] rowCorrect = new boolean[batch.batchSize()];
                boolean[] rowHasLabel = new boolean[batch.batchSize()];
                java.util.Arrays.fill(rowCorrect, true);
                for (int i = 0; i < rows.length; i++) {
                    int predicted = Reduce.argmax(l.data(), l.offset() + i * l.cols(), l.cols());
                    int row = rows[i] / batch.seqLen();
                    rowHasLabel[row] = true;
                    if (predicted == targets[i]) correctTokens++;
                    else rowCorrect[row] = false;
                }
                labels += rows.length;
                for (int b = 0; b < batch.batchSize(); b++) {
                    if (!rowHasLabel[b]) continue;
                    examples++;
                    if (rowCorrect[b]) correctExamples++;
                }
            }
            if (labels == 0) throw new IllegalArgumentException("no labelled positions to evaluate");
            double loss = lossSum / labels;
            return new Result(loss, Math.exp(loss), (double) correctTokens / labels, (double) correctExamples / examples, examples, labels);
        });
    }
}
