package org.sparselora4j.cli.fuzz;

import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.PeftAdapter;
import org.sparselora4j.lora.data.DatasetException;
import org.sparselora4j.lora.data.DatasetReader;
import org.sparselora4j.lora.run.Checkpoint;
import org.sparselora4j.lora.run.MetricsLog;
import org.sparselora4j.models.chat.ChatMessage;
import org.sparselora4j.models.chat.ChatTemplate;
import org.sparselora4j.models.chat.ChatTemplates;
import org.sparselora4j.models.chat.MessagesFile;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.LoadedModel;
import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.Safetensors;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.format.WeightStorage;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.template.TemplateException;
import org.sparselora4j.sparse.EstimatorFileException;
import org.sparselora4j.sparse.SvdEstimator;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Every parser the suite fuzzes: one {@link FuzzTarget} each. */
final class Targets {
    private Targets() {
    }

    static List<FuzzTarget> all() {
        LlamaWeights base = Seeds.weights();
        Tokenizer tokenizer = Seeds.tokenizer();
        return List.of(
                new FuzzTarget("llama2c model", dir -> Seeds.llama2c(dir.resolve("model.bin")), "model.bin", ByteMutations.all(),
                        dir -> model(dir.resolve("model.bin")), Targets::useModel, ModelFormatException.class),
                new FuzzTarget("gguf model", dir -> Seeds.gguf(dir.resolve("model.gguf")), "model.gguf", GgufMutations.all(),
                        dir -> model(dir.resolve("model.gguf")), Targets::useModel, ModelFormatException.class),
                new FuzzTarget("gguf model, weights as stored", dir -> Seeds.ggufStored(dir.resolve("model.gguf")), "model.gguf",
                        GgufMutations.all(), dir -> stored(dir.resolve("model.gguf")), Targets::touchWeights, ModelFormatException.class),
                new FuzzTarget("hf bf16 model.safetensors, weights as stored", Seeds::huggingFaceBf16, "model.safetensors",
                        JsonMutations.safetensors(), Targets::stored, Targets::touchWeights, ModelFormatException.class),
                new FuzzTarget("safetensors", dir -> Seeds.safetensors(dir.resolve("t.safetensors")), "t.safetensors", JsonMutations.safetensors(),
                        dir -> safetensors(dir.resolve("t.safetensors")), ModelFormatException.class),
                new FuzzTarget("hf config.json", Seeds::huggingFaceModel, "config.json", JsonMutations.document(),
                        Targets::model, Targets::useModel, ModelFormatException.class),
                new FuzzTarget("hf model.safetensors", Seeds::huggingFaceModel, "model.safetensors", JsonMutations.safetensors(),
                        Targets::model, Targets::useModel, ModelFormatException.class),
                new FuzzTarget("hf shard index", Seeds::shardedModel, HuggingFaceModel.INDEX, JsonMutations.document(),
                        Targets::model, Targets::useModel, ModelFormatException.class),
                new FuzzTarget("tokenizer.json", Seeds::huggingFaceTokenizer, "tokenizer.json", JsonMutations.document(),
                        dir -> tokenizer(dir, Seeds.VOCAB), Targets::use, ModelFormatException.class),
                new FuzzTarget("tokenizer_config.json", Seeds::huggingFaceTokenizer, "tokenizer_config.json", JsonMutations.document(),
                        dir -> tokenizer(dir, Seeds.VOCAB), Targets::use, ModelFormatException.class),
                new FuzzTarget("byte-level tokenizer.json", Seeds::byteLevelTokenizer, "tokenizer.json", JsonMutations.document(),
                        dir -> tokenizer(dir, 1 << 20), Targets::use, ModelFormatException.class),
                new FuzzTarget("llama 3 split tokenizer.json", Seeds::splitTokenizer, "tokenizer.json", JsonMutations.document(),
                        dir -> tokenizer(dir, 1 << 20), Targets::use, ModelFormatException.class),
                new FuzzTarget("gguf gpt2 tokenizer", dir -> Seeds.ggufByteLevelTokenizer(dir.resolve("t.gguf")), "t.gguf", GgufMutations.all(),
                        dir -> tokenizer(dir.resolve("t.gguf"), 1 << 20), Targets::use, ModelFormatException.class),
                new FuzzTarget("chat template", Seeds::chatTokenizerConfig, "tokenizer_config.json", JsonMutations.document(),
                        dir -> ChatTemplates.fromTokenizerConfig(dir.resolve("tokenizer_config.json")), Targets::chat,
                        List.of(ModelFormatException.class, TemplateException.class)),
                new FuzzTarget("messages file", dir -> Seeds.messagesFile(dir.resolve("chat.json")), "chat.json", JsonMutations.document(),
                        dir -> MessagesFile.render(dir.resolve("chat.json"), Seeds.template(), true), parsed -> {
                        }, List.of(ModelFormatException.class, TemplateException.class)),
                new FuzzTarget("jsonl messages", dir -> Seeds.messagesLines(dir.resolve("data.jsonl")), "data.jsonl",
                        JsonMutations.lines(), dir -> chatData(tokenizer, dir.resolve("data.jsonl")), DatasetException.class),
                new FuzzTarget("jsonl alpaca", dir -> Seeds.alpacaLines(dir.resolve("data.jsonl")), "data.jsonl",
                        JsonMutations.lines(), dir -> chatData(tokenizer, dir.resolve("data.jsonl")), DatasetException.class),
                new FuzzTarget("llama2c tokenizer.bin", dir -> Seeds.llama2cTokenizer(dir.resolve("tokenizer.bin")), "tokenizer.bin",
                        ByteMutations.all(), dir -> tokenizer(dir.resolve("tokenizer.bin"), Seeds.VOCAB), Targets::use, ModelFormatException.class),
                new FuzzTarget("jsonl prompt/completion", dir -> Seeds.promptCompletion(dir.resolve("data.jsonl")), "data.jsonl",
                        JsonMutations.lines(), dir -> data(tokenizer, dir.resolve("data.jsonl")), DatasetException.class),
                new FuzzTarget("jsonl text", dir -> Seeds.textLines(dir.resolve("data.jsonl")), "data.jsonl",
                        JsonMutations.lines(), dir -> data(tokenizer, dir.resolve("data.jsonl")), DatasetException.class),
                new FuzzTarget("plain text data", dir -> Seeds.plainText(dir.resolve("data.txt")), "data.txt",
                        ByteMutations.all(), dir -> data(tokenizer, dir.resolve("data.txt")), DatasetException.class),
                new FuzzTarget("peft adapter_config.json", Seeds::peftAdapter, PeftAdapter.CONFIG, JsonMutations.document(),
                        dir -> PeftAdapter.read(dir, base), ModelFormatException.class),
                new FuzzTarget("peft adapter_model.safetensors", Seeds::peftAdapter, PeftAdapter.WEIGHTS, JsonMutations.safetensors(),
                        dir -> PeftAdapter.read(dir, base), ModelFormatException.class),
                new FuzzTarget("checkpoint", Seeds::checkpoint, Checkpoint.FILE, JsonMutations.safetensors(),
                        Targets::checkpoint, ModelFormatException.class),
                new FuzzTarget("svd estimator file", dir -> Seeds.estimator(dir.resolve("estimator.safetensors")), "estimator.safetensors",
                        JsonMutations.safetensors(), dir -> SvdEstimator.load(dir.resolve("estimator.safetensors"), base, 4, List.of(0, 1)),
                        EstimatorFileException.class),
                new FuzzTarget("metrics.jsonl on resume", Seeds::metrics, MetricsLog.FILE, JsonMutations.lines(),
                        dir -> new MetricsLog(dir, 4), ModelFormatException.class));
    }

    /** Loads a model (and the tokenizer it carries) and uses the tokenizer once. */
    private static LoadedModel model(Path path) throws Exception {
        return ModelFiles.load(path, Optional.empty());
    }

    /** Loads a model with its matrices mapped in place ({@code finetune}'s way). */
    private static LoadedModel stored(Path path) throws Exception {
        return ModelFiles.load(path, Optional.empty(), WeightStorage.AS_STORED);
    }

    /**
     * Touches each mapped matrix as training first would: decodes its first and last rows and multiplies one row of
     * activations by it, so a size the header lied about shows here rather than mid-run.
     */
    private static void touchWeights(Object parsed) {
        LlamaWeights w = ((LoadedModel) parsed).weights();
        List<Tensor> matrices = new ArrayList<>(List.of(w.tokenEmbedding(), w.classifier()));
        for (LayerWeights l : w.layers()) matrices.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()));
        for (Tensor m : matrices) {
            float[] row = new float[m.cols()];
            m.decodeRow(0, row, 0);
            m.decodeRow(m.rows() - 1, row, 0);
            MatMul.abT(Tensor.of(row, 1, m.cols()), m);
        }
    }

    private static void useModel(Object parsed) {
        LoadedModel m = (LoadedModel) parsed;
        if (m.tokenizer().isPresent()) use(m.tokenizer().get());
    }

    private static Tokenizer tokenizer(Path path, int vocab) throws Exception {
        return ModelFiles.loadTokenizer(path, vocab);
    }

    private static void use(Object parsed) {
        Tokenizer t = (Tokenizer) parsed;
        int[] ids = t.encode(Seeds.TEXT, true, true);
        t.decode(ids);
    }

    private static Object safetensors(Path path) throws Exception {
        try (Safetensors s = Safetensors.open(path)) {
            for (Safetensors.Info info : s.tensors().values()) {
                switch (info.dtype()) {
                    case F32, F16, BF16 -> s.read(info.name());
                    default -> {
                    }
                }
            }
            return s.tensors().size();
        }
    }

    private static Object data(Tokenizer tokenizer, Path path) throws Exception {
        return new DatasetReader(tokenizer, 24, warning -> {
        }).read(path);
    }

    private static Object chatData(Tokenizer tokenizer, Path path) throws Exception {
        return new DatasetReader(tokenizer, 256, warning -> {
        }, Optional.of(Seeds.template())).read(path);
    }

    /** Renders a conversation with the template found, for display and for training. */
    private static void chat(Object parsed) {
        @SuppressWarnings("unchecked")
        Optional<ChatTemplate> template = (Optional<ChatTemplate>) parsed;
        if (template.isEmpty()) return;
        template.get().renderMaps(Seeds.conversation(2), true, java.util.Map.of());
        template.get().renderForTraining(List.of(new ChatMessage(ChatMessage.Role.USER, "hi"), new ChatMessage(ChatMessage.Role.ASSISTANT, "the cat")));
    }

    private static Object checkpoint(Path dir) throws Exception {
        List<Var> params = Seeds.checkpointParams();
        return Checkpoint.restore(dir, "lora", Seeds.CHECKPOINT_KEY, params, new AdamW(params, AdamW.Config.defaults()));
    }
}
