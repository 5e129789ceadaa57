package org.sparselora4j.cli;

import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.PeftAdapter;
import org.sparselora4j.models.format.Llama2cCheckpoint;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.SplittableRandom;

/** PEFT adapters for stories260K written into a test folder: fresh (B = 0, a no-op) or with random B. */
final class Adapters {
    private Adapters() {
    }

    static LlamaWeights stories260K() throws IOException {
        return Llama2cCheckpoint.load(Path.of(CliRun.shared("models/stories260K.bin")));
    }

    /** An adapter on every projection with B normal(0, std); std 0 leaves B zero. */
    static LoraAdapter make(LlamaWeights base, float std, long seed) {
        LoraAdapter adapter = LoraAdapter.create(base, new LoraConfig(4, 8, 0f, EnumSet.allOf(Target.class)), seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        if (std > 0) {
            for (int l = 0; l < base.config().layers(); l++) {
                for (Target t : Target.values()) {
                    Tensor b = adapter.layer(l, t).b().value();
                    b.copyFrom(Tensor.randn(random, std, b.rows(), b.cols()));
                }
            }
        }
        return adapter;
    }

    static Path write(Path dir, LoraAdapter adapter) throws IOException {
        PeftAdapter.write(dir, adapter, "stories260K");
        return dir;
    }
}
