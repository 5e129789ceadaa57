package org.sparselora4j.cli;

import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Llama2cTokenizer;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.ElementType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code export --model F [--tokenizer F] [--adapter DIR] --out DIR}: writes the model, with the adapter merged
 * in, as a Hugging Face folder: {@code config.json} and {@code model.safetensors} (F32, q/k rows in Hugging Face's
 * half-split order), plus the llama2.c tokenizer copied as {@code tokenizer.bin} when one is given. A folder that
 * already holds a model is refused rather than overwritten. Prints {"out", "files", "adapter", ...} as JSON.
 */
final class ExportCommand implements Command {
    static final String TOKENIZER = "tokenizer.bin";

    @Override
    public String name() {
        return "export";
    }

    @Override
    public String summary() {
        return "write a model (with an adapter merged in) as a Hugging Face folder; JSON with what was written";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("model", "model file or folder (llama2.c .bin, GGUF, Hugging Face folder)"),
                Args.Flag.value("tokenizer", "llama2.c tokenizer.bin to copy into the folder (optional)"),
                AdapterInput.FLAG,
                Args.Flag.value("out", "the folder to write (created; must not already hold a model)"),
                Args.Flag.value("dtype", "f32 | bf16 | f16: how the tensors are stored (default f32)"));
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path dir = args.path("out");
        ElementType dtype = ElementType.parse(args.string("dtype", "f32"));
        if (dtype != ElementType.F32 && dtype != ElementType.BF16 && dtype != ElementType.F16) {
            throw new UsageException("export: --dtype must be f32, bf16 or f16, got '" + args.string("dtype", "") + "'");
        }
        checkOut(dir);
        LlamaWeights weights = AdapterInput.apply(args, ModelInput.weights(args));
        Path tokenizer = args.has("tokenizer") ? checkedTokenizer(args.path("tokenizer"), weights) : null;

        HuggingFaceModel.write(dir, weights, dtype);
        List<String> files = new ArrayList<>(List.of(HuggingFaceModel.CONFIG, HuggingFaceModel.WEIGHTS));
        if (tokenizer != null) {
            copyAtomically(tokenizer, dir.resolve(TOKENIZER));
            files.add(TOKENIZER);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("out", dir.toString());
        result.put("files", files);
        result.put("adapter", args.has("adapter") ? args.path("adapter").toString() : null);
        result.put("tokenizer", tokenizer == null ? null : TOKENIZER + " (llama2.c format, copied from " + tokenizer + ")");
        result.put("parameters", weights.config().parameterCount());
        result.put("dtype", dtype.name());
        out.println(Json.write(result));
        err.println("export: wrote " + String.join(", ", files) + " to " + dir
                + (args.has("adapter") ? " with " + args.path("adapter") + " merged in" : ""));
        return 0;
    }

    /** --out may be new or an existing folder, but one that holds no model files we would replace. */
    private static void checkOut(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IOException("--out " + dir + ": exists and is not a folder");
        for (String name : List.of(HuggingFaceModel.CONFIG, HuggingFaceModel.WEIGHTS, HuggingFaceModel.INDEX, TOKENIZER)) {
            if (Files.exists(dir.resolve(name))) {
                throw new IOException("--out " + dir + ": already holds " + name + "; choose a new folder or remove it");
            }
        }
    }

    private static Path checkedTokenizer(Path path, LlamaWeights weights) throws IOException {
        if (!Files.exists(path)) throw new IOException("--tokenizer " + path + ": no such file");
        Tokenizer tokenizer = Llama2cTokenizer.load(path);
        int vocab = weights.config().vocabSize();
        if (tokenizer.vocabSize() != vocab) {
            throw new IOException("--tokenizer " + path + ": " + tokenizer.vocabSize() + " tokens, but the model's vocabulary is " + vocab);
        }
        return path;
    }

    private static void copyAtomically(Path from, Path to) throws IOException {
        Path tmp = Files.createTempFile(to.toAbsolutePath().getParent(), "." + to.getFileName() + ".", ".tmp");
        try {
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, to);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
