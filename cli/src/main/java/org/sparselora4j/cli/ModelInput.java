package org.sparselora4j.cli;

import org.sparselora4j.models.format.Llama2cCheckpoint;
import org.sparselora4j.models.format.Llama2cTokenizer;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --model} and {@code --tokenizer} flags: reads the files, with one-line errors that name the flag and the file. */
final class ModelInput {
    private ModelInput() {
    }

    /** The weights in the file or folder given by {@code --model}. */
    static LlamaWeights weights(Args args) throws IOException {
        Path model = args.path("model");
        if (!Files.exists(model)) throw new IOException("--model " + model + ": no such file or folder");
        return Llama2cCheckpoint.load(model);
    }

    /** The tokenizer given by {@code --tokenizer}, which must cover the model's vocabulary. */
    static Tokenizer tokenizer(Args args, LlamaConfig config) throws IOException {
        Path path = args.path("tokenizer");
        if (!Files.exists(path)) throw new IOException("--tokenizer " + path + ": no such file");
        Tokenizer tokenizer = Llama2cTokenizer.load(path);
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw new IOException("--tokenizer " + path + ": " + tokenizer.vocabSize() + " tokens, but the model's vocabulary is "
                    + config.vocabSize());
        }
        return tokenizer;
    }
}
