package org.sparselora4j.cli;

import org.sparselora4j.lora.data.Batches;
import org.sparselora4j.lora.data.DatasetReader;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.lora.run.FullFineTuning;
import org.sparselora4j.lora.run.TrainConfig;
import org.sparselora4j.lora.run.Trainer;
import org.sparselora4j.models.format.AtomicFile;
import org.sparselora4j.models.format.BpeTrainer;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Llama2cTokenizer;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pretrain}: a LLaMA model from scratch on a text file. Learns a BPE tokenizer from the text, trains every
 * weight from a random start, and writes a Hugging Face folder (config.json, model.safetensors) with the
 * tokenizer (llama2.c tokenizer.bin) beside it. This is how the embedded base model was made.
 */
final class PretrainCommand implements Command {
    @Override
    public String name() {
        return "pretrain";
    }

    @Override
    public String summary() {
        return "train a small LLaMA from scratch on a text file (tokenizer included); writes a model folder";
    }

    @Override
    public List<Args.Flag> flags() {
        List<Args.Flag> f = new ArrayList<>(List.of(
                Args.Flag.value("text", "UTF-8 text to learn from (required)"),
                Args.Flag.value("out", "model folder to create (required; must not exist)"),
                Args.Flag.value("vocab", "BPE vocabulary size (default 1024)"),
                Args.Flag.value("dim", "hidden size (default 128)"),
                Args.Flag.value("layers", "decoder blocks (default 6)"),
                Args.Flag.value("heads", "query heads (default 8)"),
                Args.Flag.value("kv-heads", "key/value heads (default 4)"),
                Args.Flag.value("ffn", "FFN size (default 344)"),
                Args.Flag.value("seq", "training sequence length and context (default 256)"),
                Args.Flag.value("validation-split", "fraction of windows held out (default 0.05)")));
        f.addAll(TrainingFlags.flags(16, 3e-3, 1));
        return f;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path text = args.path("text");
        Path outDir = args.path("out");
        if (!Files.isRegularFile(text)) throw new IOException("--text " + text + ": no such file");
        if (Files.exists(outDir)) throw new UsageException("pretrain: --out " + outDir + " already exists; choose a new folder");
        int seq = args.integer("seq", 256, 8, 1 << 16);
        int heads = args.integer("heads", 8, 1, 4096);
        LlamaConfig partial;
        String corpus = org.sparselora4j.models.format.TextFiles.readUtf8(text);

        err.println("pretrain: learning a BPE vocabulary from " + text + " (" + corpus.length() + " characters)...");
        BpeTrainer.Vocabulary vocabulary = BpeTrainer.train(corpus, args.integer("vocab", 1024, 300, 1 << 20));
        Path work = outDir.resolveSibling(outDir.getFileName() + ".work");
        Files.createDirectories(work);
        Path tokenizerFile = work.resolve("tokenizer.bin");
        BpeTrainer.write(vocabulary, tokenizerFile);
        Tokenizer tokenizer = Llama2cTokenizer.load(tokenizerFile, vocabulary.size());
        try {
            partial = new LlamaConfig(args.integer("dim", 128, 2, 1 << 16), args.integer("ffn", 344, 1, 1 << 20), args.integer("layers", 6, 1, 1024),
                    heads, args.integer("kv-heads", 4, 1, 4096), vocabulary.size(), seq, 10000, Rope.Style.HALF_SPLIT, 1e-5f, true);
        } catch (IllegalArgumentException e) {
            throw new UsageException("pretrain: " + e.getMessage());
        }

        List<Example> windows = new DatasetReader(tokenizer, seq, w -> err.println("warning: " + w)).read(text);
        long seed = args.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
        int batch = TrainingFlags.batchSize(args, 16);
        Batches data = Batches.split(windows, args.number("validation-split", 0.05, 0, 0.5), batch, seed);
        TrainConfig config = TrainingFlags.config(args, data.batchesPerEpoch(), 16, 3e-3, 1);
        LlamaWeights weights = LlamaInit.random(partial, seed);
        err.printf("pretrain: %d parameters, %d windows of up to %d tokens (%d held out), %d steps of %d x %d%n", partial.parameterCount(),
                windows.size(), seq, data.validation().size(), config.steps(), config.batchSize(), config.gradAccum());

        Parallel parallel = new Parallel(TrainingFlags.threads(args));
        Trainer.Result r = parallel.call(() -> {
            try {
                return new Trainer(new FullFineTuning(weights), data, config, work.resolve("run"), err).run(false);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        HuggingFaceModel.write(work.resolve("model"), weights);
        Files.copy(tokenizerFile, work.resolve("model").resolve("tokenizer.bin"));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("command", "pretrain");
        summary.put("text", text.toString());
        summary.put("out", outDir.toString());
        summary.put("parameters", partial.parameterCount());
        summary.put("vocab", vocabulary.size());
        summary.put("steps", r.steps());
        summary.put("seconds", r.seconds());
        summary.put("tokens_per_s", r.tokens() / Math.max(r.seconds(), 1e-9));
        summary.put("final_train_loss", r.finalTrainLoss());
        if (r.after() != null) summary.put("validation_after", r.after().toMap());
        summary.put("dim", partial.dim());
        summary.put("layers", partial.layers());
        summary.put("heads", partial.heads());
        summary.put("kv_heads", partial.kvHeads());
        summary.put("ffn", partial.hiddenDim());
        summary.put("seq", partial.maxSeqLen());
        summary.put("batch", config.batchSize());
        summary.put("lr", config.learningRate());
        summary.put("seed", seed);
        AtomicFile.writeString(work.resolve("model").resolve("pretrain.json"), Json.write(summary) + "\n");
        // The folder appears complete or not at all.
        Files.move(work.resolve("model"), outDir);
        err.println("pretrain: wrote " + outDir + "; training run (metrics, loss curve) in " + work.resolve("run"));
        out.println(Json.write(summary));
        return 0;
    }
}
