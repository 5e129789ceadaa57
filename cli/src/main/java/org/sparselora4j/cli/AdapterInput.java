package org.sparselora4j.cli;

import org.sparselora4j.lora.PeftAdapter;
import org.sparselora4j.models.llama.LlamaWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --adapter DIR} flag: a PEFT LoRA adapter folder, merged into a copy of the model's weights. */
final class AdapterInput {
    static final Args.Flag FLAG = Args.Flag.value("adapter",
            "PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors), merged into the weights");

    private AdapterInput() {
    }

    /** {@code weights} with the adapter given by {@code --adapter} merged in (a copy), or {@code weights} itself without one. */
    static LlamaWeights apply(Args args, LlamaWeights weights) throws IOException {
        if (!args.has("adapter")) return weights;
        Path dir = args.path("adapter");
        if (!Files.exists(dir)) throw new IOException("--adapter " + dir + ": no such folder");
        if (!Files.isDirectory(dir)) {
            throw new IOException("--adapter " + dir + ": not a folder (a PEFT adapter is a folder with "
                    + PeftAdapter.CONFIG + " and " + PeftAdapter.WEIGHTS + ")");
        }
        return PeftAdapter.read(dir, weights).merged();
    }
}
