package org.sparselora4j.cli;

import org.sparselora4j.models.format.Gguf;
import org.sparselora4j.models.format.GgufModel;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Llama2cCheckpoint;
import org.sparselora4j.models.format.Llama2cTokenizer;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaWeights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The {@code --model} and {@code --tokenizer} flags: a model recognised by content (a folder is a Hugging Face
 * model, a file that starts with "GGUF" is GGUF, any other file a llama2.c checkpoint), its tokenizer when the
 * file holds one, and one-line errors that name the flag and the file.
 *
 * @param weights   the model's weights
 * @param tokenizer the tokenizer stored with the weights (GGUF), if any
 */
record ModelInput(LlamaWeights weights, Optional<Tokenizer> tokenizer) {
    private static final byte[] GGUF_MAGIC = {'G', 'G', 'U', 'F'};

    /** The model in the file or folder given by {@code --model}. */
    static ModelInput load(Args args) throws IOException {
        Path model = args.path("model");
        if (!Files.exists(model)) throw new IOException("--model " + model + ": no such file or folder");
        if (Files.isDirectory(model)) return new ModelInput(HuggingFaceModel.load(model), Optional.empty());
        if (startsWith(model, GGUF_MAGIC)) {
            try (Gguf gguf = Gguf.open(model)) {
                return new ModelInput(GgufModel.weights(gguf), GgufModel.tokenizer(gguf));
            }
        }
        return new ModelInput(Llama2cCheckpoint.load(model), Optional.empty());
    }

    /** The weights given by {@code --model}. */
    static LlamaWeights weights(Args args) throws IOException {
        return load(args).weights();
    }

    /**
     * The tokenizer given by {@code --tokenizer}, else the one stored with the model; it must cover the model's
     * vocabulary. {@code command} names the command in the usage error when there is none.
     */
    Tokenizer tokenizer(Args args, String command) throws IOException {
        int vocab = weights.config().vocabSize();
        Tokenizer chosen;
        String source;
        if (args.has("tokenizer")) {
            Path path = args.path("tokenizer");
            if (!Files.exists(path)) throw new IOException("--tokenizer " + path + ": no such file");
            chosen = Llama2cTokenizer.load(path);
            source = "--tokenizer " + path;
        } else if (tokenizer.isPresent()) {
            chosen = tokenizer.get();
            source = "--model " + args.path("model") + " (its tokenizer)";
        } else {
            throw new UsageException(command + ": --tokenizer is required: " + args.path("model") + " holds no tokenizer");
        }
        if (chosen.vocabSize() != vocab) {
            throw new IOException(source + ": " + chosen.vocabSize() + " tokens, but the model's vocabulary is " + vocab);
        }
        return chosen;
    }

    private static boolean startsWith(Path file, byte[] magic) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(magic.length), magic);
        }
    }
}
