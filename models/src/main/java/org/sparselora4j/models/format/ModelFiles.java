package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Loads a model by what its bytes are, not by its name: GGUF magic, a safetensors header, a llama2.c header, or a
 * folder with {@code config.json}. Tokenizer files are recognised the same way (GGUF, {@code tokenizer.json},
 * llama2.c {@code tokenizer.bin}). Every problem is a {@link ModelFormatException} naming the file.
 */
public final class ModelFiles {
    /** The checkpoint formats this engine reads. */
    public enum Format { LLAMA2C, GGUF, SAFETENSORS, HUGGING_FACE_FOLDER }

    private ModelFiles() {
    }

    /** Recognises a model file or folder by content. */
    public static Format detect(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(HuggingFaceModel.CONFIG))) return Format.HUGGING_FACE_FOLDER;
            throw new ModelFormatException(path, "a folder without " + HuggingFaceModel.CONFIG + " is not a Hugging Face model");
        }
        if (!Files.isRegularFile(path)) throw new ModelFormatException(path, "no such file");
        try (MappedFile file = MappedFile.open(path)) {
            if (Gguf.looksLike(file)) return Format.GGUF;
            if (Safetensors.looksLike(file)) return Format.SAFETENSORS;
            if (Llama2cCheckpoint.looksLike(file)) return Format.LLAMA2C;
        }
        throw new ModelFormatException(path, "not a model file this engine knows (no GGUF magic, safetensors header or plausible llama2.c header)");
    }

    /**
     * Loads the weights at {@code model} and a tokenizer: {@code tokenizer} when given (it wins over one the model
     * carries), else the one in a GGUF file or a Hugging Face folder's {@code tokenizer.json} (or llama2.c {@code tokenizer.bin}), else
     * none.
     */
    public static LoadedModel load(Path model, Optional<Path> tokenizer) throws IOException {
        return load(model, tokenizer, WeightStorage.FLOAT32);
    }

    /** {@link #load(Path, Optional)} with the matrices handed out as {@code storage} says (mapped in place, or float32). */
    public static LoadedModel load(Path model, Optional<Path> tokenizer, WeightStorage storage) throws IOException {
        Format format = detect(model);
        LlamaWeights weights = switch (format) {
            case LLAMA2C -> Llama2cCheckpoint.load(model);
            case SAFETENSORS -> HuggingFaceModel.loadFile(model, storage);
            case HUGGING_FACE_FOLDER -> HuggingFaceModel.load(model, storage);
            case GGUF -> GgufModel.load(model, storage);
        };
        Optional<Tokenizer> carried = Optional.empty();
        String tokenizerSource = "none";
        if (tokenizer.isEmpty() && format == Format.HUGGING_FACE_FOLDER && Files.isRegularFile(model.resolve("tokenizer.json"))) {
            carried = Optional.of(HuggingFaceTokenizer.load(model.resolve("tokenizer.json")));
            tokenizerSource = model.resolve("tokenizer.json").toString();
        } else if (tokenizer.isEmpty() && format == Format.HUGGING_FACE_FOLDER && Files.isRegularFile(model.resolve("tokenizer.bin"))) {
            // A folder this project exported from a llama2.c-tokenized model carries that tokenizer as is.
            carried = Optional.of(Llama2cTokenizer.load(model.resolve("tokenizer.bin"), weights.config().vocabSize()));
            tokenizerSource = model.resolve("tokenizer.bin").toString();
        }
        if (tokenizer.isEmpty() && format == Format.GGUF) {
            try (Gguf gguf = Gguf.open(model)) {
                carried = GgufModel.tokenizer(gguf);
            }
            if (carried.isPresent()) tokenizerSource = "GGUF tokenizer.ggml.*";
        }
        int vocab = weights.config().vocabSize();
        if (tokenizer.isPresent()) {
            carried = Optional.of(loadTokenizer(tokenizer.get(), vocab));
            tokenizerSource = tokenizer.get().toString();
        } else if (carried.isPresent()) {
            checkVocab(model, carried.get(), vocab);
        }
        return new LoadedModel(weights, carried, format, describe(format, model, weights.config(), tokenizerSource));
    }

    /**
     * A model's shape and the bytes its weights take in the file, read from headers only (nothing is decoded): what a
     * launcher needs to size the heap before the run.
     *
     * @param floatBytes the float32 matrices' bytes (they go to the heap); the rest is mapped in place
     */
    public record Stored(LlamaConfig config, long floatBytes, long compactBytes) {
    }

    /** {@link Stored} for the model at {@code model}, by format; a llama2.c file is float32 throughout. */
    public static Stored stored(Path model) throws IOException {
        Format format = detect(model);
        return switch (format) {
            case LLAMA2C -> {
                LlamaWeights w = Llama2cCheckpoint.load(model);
                yield new Stored(w.config(), w.storageBytes(), 0);
            }
            case GGUF -> {
                try (Gguf g = Gguf.open(model)) {
                    long f = 0, c = 0;
                    for (Gguf.TensorInfo t : g.tensors().values()) {
                        long bytes = t.type().bytes(t.elements());
                        if (t.type() == GgmlType.F32) f += bytes;
                        else c += bytes;
                    }
                    yield new Stored(GgufModel.config(g), f, c);
                }
            }
            case SAFETENSORS, HUGGING_FACE_FOLDER -> {
                Path dir = format == Format.SAFETENSORS ? model.toAbsolutePath().getParent() : model;
                LlamaConfig config = HuggingFaceConfig.read(dir.resolve(HuggingFaceModel.CONFIG));
                long f = 0, c = 0;
                try (var files = Files.list(dir)) {
                    for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                        if (format == Format.SAFETENSORS && !p.equals(model)) continue;
                        try (Safetensors st = Safetensors.open(p)) {
                            for (Safetensors.Info i : st.tensors().values()) {
                                if (i.dtype() == Safetensors.Dtype.F32) f += i.end() - i.begin();
                                else c += i.end() - i.begin();
                            }
                        }
                    }
                }
                yield new Stored(config, f, c);
            }
        };
    }

    /**
     * Loads a tokenizer recognised by content (GGUF file, {@code tokenizer.json} or a folder holding one, llama2.c
     * {@code tokenizer.bin}) for a model of {@code vocabSize} tokens; a tokenizer with more tokens is an error.
     */
    public static Tokenizer loadTokenizer(Path given, int vocabSize) throws IOException {
        Path path = Files.isDirectory(given) ? given.resolve("tokenizer.json") : given;
        if (!Files.isRegularFile(path)) throw new ModelFormatException(path, "no such file");
        Tokenizer t;
        boolean gguf, json;
        try (MappedFile file = MappedFile.open(path)) {
            gguf = Gguf.looksLike(file);
            json = startsWithBrace(file);
        }
        if (gguf) {
            try (Gguf g = Gguf.open(path)) {
                t = GgufModel.tokenizer(g).orElseThrow(() -> new ModelFormatException(path, "this GGUF file holds no tokenizer (no tokenizer.ggml.model)"));
            }
        } else if (json) {
            t = HuggingFaceTokenizer.load(path);
        } else {
            t = Llama2cTokenizer.load(path, vocabSize);
        }
        checkVocab(path, t, vocabSize);
        return t;
    }

    private static boolean startsWithBrace(MappedFile file) {
        for (long i = 0; i < Math.min(file.size(), 64); i++) {
            byte b = file.segment().get(ValueLayout.JAVA_BYTE, i);
            if (b == '{') return true;
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
        }
        return false;
    }

    private static void checkVocab(Path file, Tokenizer t, int vocabSize) throws ModelFormatException {
        if (t.vocabSize() > vocabSize) {
            throw new ModelFormatException(file, "the tokenizer has " + t.vocabSize() + " tokens but the model's vocabulary has "
                    + vocabSize + ": tokenizer and model do not match");
        }
    }

    private static String describe(Format format, Path path, LlamaConfig c, String tokenizer) {
        String name = switch (format) {
            case LLAMA2C -> "llama2.c checkpoint";
            case GGUF -> "GGUF file";
            case SAFETENSORS -> "safetensors file";
            case HUGGING_FACE_FOLDER -> "Hugging Face folder";
        };
        return name + " " + path + ": dim " + c.dim() + ", hidden " + c.hiddenDim() + ", " + c.layers() + " layers, "
                + c.heads() + " heads (" + c.kvHeads() + " kv), vocab " + c.vocabSize() + ", context " + c.maxSeqLen()
                + ", " + c.ropeStyle() + " RoPE, " + (c.tiedClassifier() ? "tied" : "separate") + " classifier; tokenizer: " + tokenizer;
    }
}
