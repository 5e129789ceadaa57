package org.sparselora4j.lora.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.data.Batches;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TrainerTest {
    @TempDir
    Path dir;

    /** LoRA on a tiny random model, as the loop sees it. */
    private static class TinyLora implements TrainingMethod {
        final LoraAdapter adapter;
        final LlamaModel model;

        TinyLora(long seed) {
            LlamaConfig c = new LlamaConfig(16, 24, 2, 4, 2, 40, 32, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
            LlamaWeights w = LlamaInit.random(c, 11);
            adapter = LoraAdapter.create(w, new LoraConfig(4, 8, 0.1f, LoraConfig.defaults().targets()), seed);
            model = LlamaModel.of(w, adapter.parts());
        }

        @Override
        public String name() {
            return "lora";
        }

        @Override
        public LlamaModel model() {
            return model;
        }

        @Override
        public List<Var> parameters() {
            return adapter.parameters();
        }

        @Override
        public void beginStep(long step) {
            adapter.train(step);
        }

        @Override
        public void eval() {
            adapter.eval();
        }

        @Override
        public double flops(TokenBatch batch, long step) {
            return 1;
        }

        @Override
        public Map<String, Object> describe() {
            return Map.of();
        }

        @Override
        public void save(Path runDir) throws IOException {
            Files.writeString(runDir.resolve("saved.txt"), "ok");
        }
    }

    private static Batches data() {
        SplittableRandom r = new SplittableRandom(5);
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = 6 + r.nextInt(8);
            int[] t = new int[n];
            t[0] = 1;
            for (int p = 1; p < n; p++) t[p] = 3 + (t[p - 1] * 7 + i) % 30; // a learnable pattern
            ex.add(new Example(t, n - 3));
        }
        return Batches.split(ex, 0.25, 4, 9);
    }

    private static TrainConfig config(int steps) {
        return new TrainConfig(steps, 4, 2, 3e-2, 2, TrainConfig.ScheduleKind.COSINE, 0.1, 0.0, 1.0, 9, 3, 3, 1);
    }

    @Test
    void lossFallsAndRunFolderHasEverything() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Trainer.Result r = new Trainer(new TinyLora(1), data(), config(12), dir.resolve("run"), quiet).run(false);
        assertThat(r.after().loss()).isLessThan(r.before().loss());
        assertThat(dir.resolve("run/metrics.jsonl")).exists();
        assertThat(dir.resolve("run/checkpoint.safetensors")).exists();
        assertThat(dir.resolve("run/saved.txt")).exists();
        assertThat(Files.readString(dir.resolve("run/loss.svg"))).startsWith("<svg").contains("polyline");
        long trainLines = Files.readAllLines(dir.resolve("run/metrics.jsonl")).stream().filter(l -> l.contains("\"train\"")).count();
        assertThat(trainLines).isEqualTo(12);
    }

    @Test
    void resumedRunReachesTheSameLosses() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        List<Double> straight = new Trainer(new TinyLora(1), data(), config(9), dir.resolve("a"), quiet).run(false).losses();
        assertThat(straight).hasSize(9);
        // Interrupted right after the checkpoint at step 6 (config checkpoints every 3 steps), then resumed.
        List<Double> resumed = runInterrupted(dir.resolve("b"), 6);
        assertSameLosses(resumed, straight.subList(6, 9));
    }

    /** Runs the 9-step config, but throws out of the loop right after the checkpoint at {@code stopAfter}; then resumes. */
    private List<Double> runInterrupted(Path runDir, int stopAfter) throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        TinyLora interrupted = new TinyLora(1) {
            @Override
            public void beginStep(long step) {
                if (step == stopAfter) throw new IllegalStateException("interrupted");
                super.beginStep(step);
            }
        };
        assertThatThrownBy(() -> new Trainer(interrupted, data(), config(9), runDir, quiet).run(false)).hasMessage("interrupted");
        return new Trainer(new TinyLora(1), data(), config(9), runDir, quiet).run(true).losses();
    }

    @Test
    void nonFiniteLossStopsAndKeepsTheCheckpoint() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        TinyLora method = new TinyLora(1);
        Path run = dir.resolve("nan");
        new Trainer(method, data(), config(3), run, quiet).run(false);
        byte[] good = Files.readAllBytes(run.resolve("checkpoint.safetensors"));
        TinyLora poisoned = new TinyLora(1) {
            @Override
            public void beginStep(long step) {
                super.beginStep(step);
                adapter.parameters().getFirst().value().data()[0] = Float.NaN;
            }
        };
        assertThatThrownBy(() -> new Trainer(poisoned, data(), config(3), run, quiet).run(false))
                .isInstanceOf(TrainingException.class).hasMessageContaining("step 1 of 3").hasMessageContaining("last good checkpoint");
        assertThat(Files.readAllBytes(run.resolve("checkpoint.safetensors"))).isEqualTo(good);
    }

    @Test
    void resumeRefusesOtherSettings() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path run = dir.resolve("r");
        new Trainer(new TinyLora(1), data(), config(3), run, quiet).run(false);
        assertThatThrownBy(() -> new Trainer(new TinyLora(1), data(), config(5), run, quiet).run(true)).hasMessageContaining("other training settings");
    }

    @Test
    void anInjectedNanGradientStopsNamingTheStepAndKeepsTheLastCheckpoint() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path run = dir.resolve("nan-grad");
        Trainer t = new Trainer(new TinyLora(1), data(), config(9), run, quiet, 0, FaultInjection.parse("nan-grad@5"));
        assertThatThrownBy(() -> t.run(false)).isInstanceOf(TrainingException.class)
                .hasMessageStartingWith("step 5 of 9: gradient norm is NaN; stopped, the last good checkpoint in " + run + " is kept");
        List<Var> params = new TinyLora(1).parameters();
        assertThat(Checkpoint.restore(run, "lora", config(9).resumeKey(), params, new org.sparselora4j.autograd.AdamW(params,
                org.sparselora4j.autograd.AdamW.Config.defaults()))).isEqualTo(3);
    }

    @Test
    void skipNonfiniteSkipsUpToNStepsWithoutAnUpdate() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        List<Double> straight = new Trainer(new TinyLora(1), data(), config(9), dir.resolve("a"), quiet).run(false).losses();
        Path run = dir.resolve("skip");
        List<Double> skipped = new Trainer(new TinyLora(1), data(), config(9), run, quiet, 1, FaultInjection.parse("nan-grad@5")).run(false).losses();
        assertThat(skipped).hasSize(8).allMatch(Double::isFinite);
        assertSameLosses(skipped.subList(0, 4), straight.subList(0, 4));
        assertThat(Files.readString(run.resolve(MetricsLog.FILE))).contains("\"kind\":\"skipped\",\"step\":5");
    }

    @Test
    void aResumedRunContinuesTheSameSkipNonfiniteBudget() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path run = dir.resolve("budget");
        new Trainer(new TinyLora(1), data(), config(9), run, quiet, 1, FaultInjection.parse("nan-grad@2")).run(false);
        List<Var> params = new TinyLora(1).parameters();
        var adam = new org.sparselora4j.autograd.AdamW(params, org.sparselora4j.autograd.AdamW.Config.defaults());
        assertThat(Checkpoint.resume(run, "lora", config(9).resumeKey(), params, adam)).isEqualTo(new Checkpoint.Position(9, 1));

        // A checkpoint of step 3 after one skipped step: with --skip-nonfinite 1 the next non-finite step stops the run.
        Path resumed = dir.resolve("resumed");
        Checkpoint.write(resumed, "lora", config(9).resumeKey(), new Checkpoint.Position(3, 1), params, adam, bytes -> { });
        Trainer t = new Trainer(new TinyLora(1), data(), config(9), resumed, quiet, 1, FaultInjection.parse("nan-grad@5"));
        assertThatThrownBy(() -> t.run(true)).isInstanceOf(TrainingException.class)
                .hasMessageStartingWith("step 5 of 9: gradient norm is NaN; stopped")
                .hasMessageContaining("1 such steps already skipped");
        // With a budget of 2 it goes on, and its checkpoints count both.
        new Trainer(new TinyLora(1), data(), config(9), resumed, quiet, 2, FaultInjection.parse("nan-grad@5")).run(true);
        assertThat(Checkpoint.resume(resumed, "lora", config(9).resumeKey(), params, adam)).isEqualTo(new Checkpoint.Position(9, 2));
    }

    @Test
    void resumingARunWithoutACheckpointStartsFromStepZero() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        List<Double> straight = new Trainer(new TinyLora(1), data(), config(9), dir.resolve("a"), quiet).run(false).losses();
        assertSameLosses(new Trainer(new TinyLora(1), data(), config(9), dir.resolve("b"), quiet).run(true).losses(), straight);
    }

    /**
     * The same losses step by step, to float rounding: data order and dropout are exact functions of (seed, step),
     * but two runs' sums may differ in the last bits where the JIT orders vector lanes differently.
     */
    private static void assertSameLosses(List<Double> actual, List<Double> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) assertThat(actual.get(i)).as("loss %d", i).isCloseTo(expected.get(i), within(1e-5));
    }
}
