package org.sparselora4j.cli;

import org.sparselora4j.lora.data.Batching;
import org.sparselora4j.lora.data.DatasetReader;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.lora.run.Evaluator;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Parallel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code eval}: loss, perplexity, token accuracy and task accuracy (every answer token right, i.e. greedy decoding
 * reproduces the completion) of a model, with or without an adapter, on a dataset. With no {@code --model} or
 * {@code --data}: the embedded base model on the embedded task's validation set.
 */
final class EvalCommand implements Command {
    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "loss, perplexity and task accuracy of a model (with --adapter) on a dataset; JSON";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("model", "model file or folder (default: the embedded base model)"),
                Args.Flag.value("tokenizer", "tokenizer file, where the model carries none"),
                ChatTemplateFlag.FLAG,
                AdapterInput.FLAG,
                Args.Flag.value("data", "JSONL {messages}, {instruction, input, output}, {prompt, completion} or {text}, or plain text (default: the embedded task's validation set)"),
                Args.Flag.value("batch", "examples per batch (default 8)"),
                Args.Flag.value("max-seq", "longest sequence in tokens (default: the model's context, at most 1024)"),
                Args.Flag.value("threads", "threads to use (default: all cores)"));
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path assets = TrainingFlags.defaultAssets();
        Path modelPath = args.has("model") ? args.path("model") : assets.resolve("model");
        Path dataPath = args.has("data") ? args.path("data") : assets.resolve("task-validation.jsonl");
        Optional<Path> tokenizerPath = args.has("tokenizer") ? Optional.of(args.path("tokenizer")) : Optional.empty();
        ModelInput model = ModelInput.load(modelPath, tokenizerPath);
        Optional<org.sparselora4j.models.chat.ChatTemplate> chatTemplate = ChatTemplateFlag.resolve(args, modelPath, tokenizerPath);
        Tokenizer tokenizer = model.tokenizer(args, "eval");
        LlamaWeights weights = AdapterInput.apply(args, model.weights());
        int maxSeq = args.integer("max-seq", Math.min(weights.config().maxSeqLen(), 1024), 2, weights.config().maxSeqLen());
        List<Example> examples = new DatasetReader(tokenizer, maxSeq, w -> err.println("warning: " + w), chatTemplate).read(dataPath);
        int batch = args.integer("batch", 8, 1, 1 << 16);
        List<TokenBatch> batches = new ArrayList<>();
        for (int i = 0; i < examples.size(); i += batch) batches.add(Batching.of(examples.subList(i, Math.min(examples.size(), i + batch))));
        LlamaModel graph = LlamaModel.of(weights, LlamaModel.frozen());
        Evaluator.Result r = new Parallel(TrainingFlags.threads(args)).call(() -> Evaluator.evaluate(graph, batches, 0));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "eval");
        result.put("model", modelPath.toString());
        result.put("adapter", args.has("adapter") ? args.required("adapter") : null);
        result.put("data", dataPath.toString());
        result.putAll(r.toMap());
        out.println(Json.write(result));
        return 0;
    }
}
