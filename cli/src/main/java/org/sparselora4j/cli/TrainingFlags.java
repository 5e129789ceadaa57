package org.sparselora4j.cli;

import org.sparselora4j.lora.run.TrainConfig;

import java.nio.file.Path;
import java.util.List;

/** The flags of the training loop shared by {@code finetune} and {@code pretrain}, and where default assets live. */
final class TrainingFlags {
    private TrainingFlags() {
    }

    static List<Args.Flag> flags(int batch, double lr, double epochs) {
        return List.of(
                Args.Flag.value("steps", "optimizer steps (default: --epochs worth)"),
                Args.Flag.value("epochs", "passes over the training data when --steps is absent (default " + epochs + ")"),
                Args.Flag.value("batch", "examples per micro-batch (default " + batch + ")"),
                Args.Flag.value("grad-accum", "micro-batches per optimizer step (default 1)"),
                Args.Flag.value("lr", "peak learning rate (default " + lr + ")"),
                Args.Flag.value("warmup-ratio", "fraction of steps of linear warm-up (default 0.05)"),
                Args.Flag.value("schedule", "cosine | linear | constant (default cosine)"),
                Args.Flag.value("min-lr-ratio", "final learning rate as a fraction of the peak (default 0.1)"),
                Args.Flag.value("weight-decay", "AdamW decoupled weight decay (default 0)"),
                Args.Flag.value("clip", "clip gradients to this global norm, 0 = off (default 1.0)"),
                Args.Flag.value("seed", "seed for data order, initialisation and dropout (default 42)"),
                Args.Flag.value("eval-every", "validate every N steps (default: 4 times per run)"),
                Args.Flag.value("checkpoint-every", "checkpoint every N steps (default: 4 times per run)"),
                Args.Flag.value("log-every", "a progress line every N steps (default 10)"),
                Args.Flag.value("threads", "threads to use (default: all cores)"));
    }

    static TrainConfig config(Args args, int batchesPerEpoch, int defaultBatch, double defaultLr, double defaultEpochs) {
        int batch = args.integer("batch", defaultBatch, 1, 1 << 16);
        int accum = args.integer("grad-accum", 1, 1, 1 << 16);
        int steps;
        if (args.has("steps")) {
            if (args.has("epochs")) throw new UsageException("give --steps or --epochs, not both");
            steps = args.integer("steps", 1, 1, Integer.MAX_VALUE / 2);
        } else {
            double epochs = args.number("epochs", defaultEpochs, 1e-6, 1e6);
            steps = Math.max(1, (int) Math.ceil(epochs * batchesPerEpoch / accum));
        }
        double warmupRatio = args.number("warmup-ratio", 0.05, 0, 1);
        int quarter = Math.max(1, steps / 4);
        return new TrainConfig(steps, batch, accum, args.number("lr", defaultLr, 1e-12, 10), (int) Math.round(steps * warmupRatio),
                args.choice("schedule", TrainConfig.ScheduleKind.class, TrainConfig.ScheduleKind.COSINE),
                args.number("min-lr-ratio", 0.1, 0, 1), args.number("weight-decay", 0, 0, 10), args.number("clip", 1.0, 0, 1e9),
                args.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE), args.integer("eval-every", quarter, 0, Integer.MAX_VALUE),
                args.integer("checkpoint-every", quarter, 0, Integer.MAX_VALUE), args.integer("log-every", 10, 1, Integer.MAX_VALUE));
    }

    static int batchSize(Args args, int defaultBatch) {
        return args.integer("batch", defaultBatch, 1, 1 << 16);
    }

    static int threads(Args args) {
        return args.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
    }

    /** The project's root folder (the launcher passes it), where the embedded default assets live. */
    static Path home() {
        String home = System.getProperty("sparselora4j.home");
        return Path.of(home != null ? home : ".").toAbsolutePath().normalize();
    }

    /** The embedded default: a base model pretrained by this project and its generated task. */
    static Path defaultAssets() {
        return home().resolve("assets").resolve("default");
    }
}
