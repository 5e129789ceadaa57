package org.sparselora4j.cli;

import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.format.WeightStorage;
import org.sparselora4j.models.llama.LlamaWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code --model} and {@code --tokenizer} flags: a model recognised by content ({@link ModelFiles}), the
 * tokenizer given or the one stored with the model, and one-line errors that name the flag and the file.
 *
 * @param weights   the model's weights
 * @param tokenizer the tokenizer given by {@code --tokenizer} or stored with the model, if any
 * @param model     the path given by {@code --model}
 */
record ModelInput(LlamaWeights weights, Optional<Tokenizer> tokenizer, Path model) {
    /** The model in the file or folder given by {@code --model}, with {@code --tokenizer} when given. */
    static ModelInput load(Args args) throws IOException {
        return load(args.path("model"), args.has("tokenizer") ? Optional.of(args.path("tokenizer")) : Optional.empty());
    }

    static ModelInput load(Path model, Optional<Path> tokenizer) throws IOException {
        return load(model, tokenizer, WeightStorage.FLOAT32);
    }

    /** {@link #load(Path, Optional)} with the matrices mapped in their stored types or decoded to float32. */
    static ModelInput load(Path model, Optional<Path> tokenizer, WeightStorage storage) throws IOException {
        if (!Files.exists(model)) throw new IOException("--model " + model + ": no such file or folder");
        if (tokenizer.isPresent() && !Files.exists(tokenizer.get())) throw new IOException("--tokenizer " + tokenizer.get() + ": no such file");
        org.sparselora4j.models.format.LoadedModel loaded = ModelFiles.load(model, tokenizer, storage);
        return new ModelInput(loaded.weights(), loaded.tokenizer(), model);
    }

    /** The weights given by {@code --model}. */
    static LlamaWeights weights(Args args) throws IOException {
        return load(args).weights();
    }

    /** The tokenizer, or a usage error naming {@code command} when neither the flag nor the model supplies one. */
    Tokenizer tokenizer(Args args, String command) {
        return tokenizer.orElseThrow(() -> new UsageException(command + ": --tokenizer is required: " + model + " holds no tokenizer"));
    }
}
