package org.sparselora4j.sparse;

import org.sparselora4j.autograd.AttentionOps;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.AttentionBlock;
import org.sparselora4j.models.llama.AttentionInputs;
import org.sparselora4j.models.llama.FeedForward;
import org.sparselora4j.models.llama.ForwardContext;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the projections of one decoder block see in a dense forward pass of a batch: the normalized input of the
 * attention half (input of Wq, Wk, Wv), the attention output heads (input of Wo), and the normalized input of the
 * FFN half (input of Wgate, Wup). All (B·T, ·), padding rows included.
 *
 * @param attention (B·T, dim)
 * @param heads     (B·T, heads·headSize)
 * @param ffn       (B·T, dim)
 */
public record LayerInputs(Tensor attention, Tensor heads, Tensor ffn) {
    /** Runs the frozen dense model over {@code batch} and keeps every block's inputs. */
    public static List<LayerInputs> capture(LlamaWeights weights, TokenBatch batch) {
        LlamaConfig c = weights.config();
        Tensor[][] seen = new Tensor[c.layers()][3];
        LlamaModel model = LlamaModel.of(weights, new LlamaModel.Parts() {
            @Override
            public Linear linear(int layer, Target target, Tensor weight) {
                return Linear.frozen(weight);
            }

            @Override
            public boolean trainsEmbeddingsAndNorms() {
                return false;
            }

            @Override
            public AttentionBlock attention(int layer, LlamaConfig config, Linear wq, Linear wk, Linear wv, Linear wo,
                                            AttentionInputs inputs) {
                return new AttentionBlock() {
                    @Override
                    public Var forward(Var x, ForwardContext ctx) {
                        // AttentionBlock.Dense, keeping its input and the input of wo.
                        seen[layer][0] = x.value();
                        Var q = inputs.query(wq.forward(x), ctx);
                        Var k = inputs.key(wk.forward(x), ctx);
                        Var v = inputs.value(wv.forward(x));
                        TokenBatch b = ctx.batch();
                        Var a = AttentionOps.attention(q, k, v, b.batchSize(), b.seqLen(), config.heads(), config.kvHeads(), ctx.valid());
                        seen[layer][1] = a.value();
                        return wo.forward(a);
                    }

                    @Override
                    public List<Var> parameters() {
                        return List.of();
                    }
                };
            }

            @Override
            public FeedForward feedForward(int layer, LlamaConfig config, Linear gate, Linear up, Linear down) {
                FeedForward dense = new FeedForward.Dense(gate, up, down);
                return new FeedForward() {
                    @Override
                    public Var forward(Var x, ForwardContext ctx) {
                        seen[layer][2] = x.value();
                        return dense.forward(x, ctx);
                    }

                    @Override
                    public List<Var> parameters() {
                        return List.of();
                    }
                };
            }
        });
        model.hidden(batch, 0);
        List<LayerInputs> out = new ArrayList<>();
        for (Tensor[] s : seen) {
            if (Arrays.stream(s).anyMatch(t -> t == null)) throw new IllegalStateException("a block did not run");
            out.add(new LayerInputs(s[0], s[1], s[2]));
        }
        return out;
    }
}
